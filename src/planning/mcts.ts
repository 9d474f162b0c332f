/** A next token the policy proposes, with its prior renormalized over the proposals. */
export interface Proposal {
  readonly token: number;
  readonly prior: number;
}

/** A completed program reached from a prefix. */
export interface Rollout {
  /** The whole token sequence (the prefix and its completion). */
  readonly tokens: readonly number[];
  readonly program: string;
}

/**
 * What the tree search needs from the language model. Prefixes are the tokens after the prompt.
 * `LmPolicy` implements it on a real model with the tree and sequence caches; tests use toy policies.
 */
export interface Policy {
  /** The top-k next tokens after `prefix` with priors; [] when nothing can follow. */
  expand(prefix: readonly number[]): Promise<readonly Proposal[]>;
  /** Completes `prefix` into a whole program (deterministically: greedy or beam). */
  rollout(prefix: readonly number[]): Promise<Rollout>;
  /** Whether `prefix` is already a complete program (end of sequence, end of the function, length limit). */
  isTerminal(prefix: readonly number[]): boolean;
  /** Model forward passes so far (for the budget). */
  readonly forwardPasses: number;
}

export interface SearchOptions {
  /** Rollouts at most (a rollout that ends in an already generated program counts too). */
  readonly rollouts: number;
  /** Distinct programs scored at most (the program budget shared with the baselines). */
  readonly maxPrograms?: number;
  /** Model forward passes at most. */
  readonly maxForwardPasses?: number;
  /** Wall-clock limit of the search. */
  readonly timeLimitMs?: number;
  /** P-UCB constants: β(s) = ln((N(s) + cBase + 1) / cBase) + c. Defaults c = 4, cBase = 10 (PG-TD). */
  readonly c?: number;
  readonly cBase?: number;
  readonly signal?: AbortSignal;
  /** Called after every rollout with the distinct programs scored and the best reward so far. */
  readonly onRollout?: (programs: number, best: number) => void;
}

export type StopReason = 'solved' | 'rollouts' | 'programs' | 'forward-passes' | 'time' | 'cancelled' | 'exhausted';

export interface SearchResult {
  /** The program with the highest reward (the first found among equals). */
  readonly best: { readonly program: string; readonly reward: number; readonly tokens: readonly number[] } | undefined;
  readonly rollouts: number;
  /** Distinct programs scored. */
  readonly programsEvaluated: number;
  /** Rollouts whose program had been scored before. */
  readonly rewardCacheHits: number;
  readonly stoppedBy: StopReason;
  readonly root: TreeNode;
}

/** A node of the search tree: a token prefix. The edge from its parent is its last token. */
export class TreeNode {
  children: TreeNode[] | undefined;
  visits = 0;
  /** Q(s, a) of the edge into this node: the maximum return seen below it (PG-TD), 0 before any. */
  value = 0;

  constructor(
    readonly prefix: readonly number[],
    readonly prior: number,
    readonly parent: TreeNode | undefined,
  ) {}

  get expanded(): boolean {
    return this.children !== undefined;
  }
}

/** P-UCB score of moving from `parent` into `child`. */
export function pucb(parent: TreeNode, child: TreeNode, c = 4, cBase = 10): number {
  const n = parent.visits;
  const beta = Math.log((n + cBase + 1) / cBase) + c;
  return child.value + (beta * child.prior * Math.sqrt(Math.log(Math.max(1, n)))) / (1 + child.visits);
}

/** The child with the highest P-UCB (the first among equals: proposals come likeliest first). */
export function selectChild(parent: TreeNode, c = 4, cBase = 10): TreeNode | undefined {
  let best: TreeNode | undefined;
  let bestScore = -Infinity;
  for (const child of parent.children ?? []) {
    const score = pucb(parent, child, c, cBase);
    if (score > bestScore) {
      bestScore = score;
      best = child;
    }
  }
  return best;
}

/** Adds a return along the path from `node` to the root: visit counts up, values keep the maximum. */
export function backpropagate(node: TreeNode, reward: number): void {
  for (let n: TreeNode | undefined = node; n; n = n.parent) {
    n.visits++;
    if (reward > n.value) n.value = reward;
  }
}

/**
 * Planning-guided decoding (PG-TD): Monte-Carlo tree search over tokens. Each iteration selects a leaf by
 * P-UCB, expands it with the policy's top-k tokens, completes it with a rollout, scores the program
 * (`reward`, e.g. the fraction of public tests passed) and backs the score up (Q = max). Rewards are cached per
 * program. Stops at the budgets or as soon as a program scores 1.
 */
export async function planSearch(policy: Policy, reward: (program: string) => Promise<number>, options: SearchOptions): Promise<SearchResult> {
  const { c = 4, cBase = 10 } = options;
  const deadline = options.timeLimitMs === undefined ? Infinity : Date.now() + options.timeLimitMs;
  const root = new TreeNode([], 1, undefined);
  const scores = new Map<string, number>();
  let best: SearchResult['best'];
  let rollouts = 0;
  let rewardCacheHits = 0;
  let stoppedBy: StopReason = 'rollouts';
  while (rollouts < options.rollouts) {
    if (options.signal?.aborted) {
      stoppedBy = 'cancelled';
      break;
    }
    if (Date.now() >= deadline) {
      stoppedBy = 'time';
      break;
    }
    if (options.maxPrograms !== undefined && scores.size >= options.maxPrograms) {
      stoppedBy = 'programs';
      break;
    }
    if (options.maxForwardPasses !== undefined && policy.forwardPasses >= options.maxForwardPasses) {
      stoppedBy = 'forward-passes';
      break;
    }
    // Selection: descend through expanded nodes.
    let node = root;
    while (node.expanded && node.children!.length > 0) node = selectChild(node, c, cBase)!;
    if (node.expanded && node.children!.length === 0 && allExhausted(root)) {
      stoppedBy = 'exhausted';
      break;
    }
    // Expansion.
    if (!node.expanded) {
      const proposals = policy.isTerminal(node.prefix) ? [] : await policy.expand(node.prefix);
      node.children = proposals.map((p) => new TreeNode([...node.prefix, p.token], p.prior, node));
    }
    // Evaluation.
    const { tokens, program } = await policy.rollout(node.prefix);
    rollouts++;
    let r = scores.get(program);
    if (r === undefined) {
      r = await reward(program);
      scores.set(program, r);
    } else rewardCacheHits++;
    if (!best || r > best.reward) best = { program, reward: r, tokens };
    backpropagate(node, r);
    options.onRollout?.(scores.size, best.reward);
    if (r >= 1) {
      stoppedBy = 'solved';
      break;
    }
  }
  return { best, rollouts, programsEvaluated: scores.size, rewardCacheHits, stoppedBy, root };
}

/** Whether every leaf below `node` is terminal and visited (nothing new can be found). */
function allExhausted(node: TreeNode): boolean {
  if (!node.expanded) return false;
  if (node.children!.length === 0) return node.visits > 0;
  return node.children!.every(allExhausted);
}
