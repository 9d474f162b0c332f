import { describe, expect, it } from 'vitest';
import { backpropagate, planSearch, pucb, selectChild, TreeNode, type Policy, type Proposal } from '../../src/planning/mcts.js';
import { LmPolicy } from '../../src/planning/lm-policy.js';
import { TableModel, wordVocab } from '../helpers/table-model.js';

describe('P-UCB and backpropagation (pure)', () => {
  it('scores children exactly as PG-TD defines it', () => {
    const parent = new TreeNode([], 1, undefined);
    parent.visits = 10;
    const a = new TreeNode([1], 0.6, parent);
    a.visits = 3;
    a.value = 0.5;
    const b = new TreeNode([2], 0.3, parent);
    parent.children = [a, b];
    const beta = Math.log((10 + 10 + 1) / 10) + 4;
    expect(pucb(parent, a)).toBeCloseTo(0.5 + (beta * 0.6 * Math.sqrt(Math.log(10))) / 4, 12);
    expect(pucb(parent, b)).toBeCloseTo((beta * 0.3 * Math.sqrt(Math.log(10))) / 1, 12);
    expect(selectChild(parent)).toBe(b); // 2.16 > 1.58: the unvisited alternative is tried
    // With c = 0 and c_base large the prior barely matters: value decides.
    expect(selectChild(parent, 0, 1e9)).toBe(a);
  });

  it('on the first visit the exploration term is zero and the likeliest proposal wins ties', () => {
    const parent = new TreeNode([], 1, undefined);
    parent.visits = 1;
    parent.children = [new TreeNode([1], 0.7, parent), new TreeNode([2], 0.2, parent)];
    expect(pucb(parent, parent.children[1]!)).toBe(0);
    expect(selectChild(parent)).toBe(parent.children[0]);
  });

  it('backpropagates visit counts and the maximum return (not the mean)', () => {
    const root = new TreeNode([], 1, undefined);
    const child = new TreeNode([1], 1, root);
    const leaf = new TreeNode([1, 2], 1, child);
    backpropagate(leaf, 0.25);
    backpropagate(leaf, 1);
    backpropagate(child, 0.5);
    expect([root.visits, child.visits, leaf.visits]).toEqual([3, 3, 2]);
    expect([root.value, child.value, leaf.value]).toEqual([1, 1, 1]);
  });
});

/** A toy policy over a known tree: tokens spell the program; priors are fixed per position. */
function toyPolicy(priors: readonly (readonly Proposal[])[]): Policy & { rollouts: number } {
  return {
    forwardPasses: 0,
    rollouts: 0,
    async expand(prefix) {
      return prefix.length < priors.length ? priors[prefix.length]! : [];
    },
    async rollout(prefix) {
      this.rollouts++;
      const tokens = [...prefix];
      while (tokens.length < priors.length) tokens.push(priors[tokens.length]![0]!.token); // greedy
      return { tokens, program: tokens.join(' ') };
    },
    isTerminal: (prefix) => prefix.length >= priors.length,
  };
}

describe('planSearch (pure, toy policy)', () => {
  // Greedy writes "1 1 1"; only "1 3 1" (the third proposal at step 2) passes.
  const priors = [
    [{ token: 1, prior: 0.8 }, { token: 2, prior: 0.2 }],
    [{ token: 1, prior: 0.7 }, { token: 2, prior: 0.2 }, { token: 3, prior: 0.1 }],
    [{ token: 1, prior: 0.9 }, { token: 2, prior: 0.1 }],
  ];
  const reward = async (program: string) => (program === '1 3 1' ? 1 : program.startsWith('1') ? 0.5 : 0);

  it('finds the program greedy misses, through a lower-ranked proposal, and stops when solved', async () => {
    const policy = toyPolicy(priors);
    const result = await planSearch(policy, reward, { rollouts: 50 });
    expect(result.best).toMatchObject({ program: '1 3 1', reward: 1 });
    expect(result.stoppedBy).toBe('solved');
    expect(result.rollouts).toBeLessThan(50);
    // The first rollout is the greedy program.
    expect(result.root.children!.map((c) => c.prior)).toEqual([0.8, 0.2]);
  });

  it('respects its budgets', async () => {
    const never = async () => 0;
    expect((await planSearch(toyPolicy(priors), never, { rollouts: 4 })).rollouts).toBe(4);
    const programs = await planSearch(toyPolicy(priors), never, { rollouts: 100, maxPrograms: 3 });
    expect(programs).toMatchObject({ programsEvaluated: 3, stoppedBy: 'programs' });
    const busy = { ...toyPolicy(priors), forwardPasses: 10 };
    expect((await planSearch(busy, never, { rollouts: 100, maxForwardPasses: 10 })).stoppedBy).toBe('forward-passes');
    const slow = async () => new Promise<number>((r) => setTimeout(() => r(0), 30));
    const timed = await planSearch(toyPolicy(priors), slow, { rollouts: 1000, timeLimitMs: 100 });
    expect(timed.stoppedBy).toBe('time');
    expect(timed.programsEvaluated).toBeLessThanOrEqual(5);
    const ctrl = new AbortController();
    ctrl.abort();
    expect((await planSearch(toyPolicy(priors), never, { rollouts: 10, signal: ctrl.signal })).stoppedBy).toBe('cancelled');
  });

  it('stops when the whole tree has been tried', async () => {
    const tiny = [[{ token: 1, prior: 0.6 }, { token: 2, prior: 0.4 }]];
    const result = await planSearch(toyPolicy(tiny), async () => 0, { rollouts: 100 });
    expect(result.stoppedBy).toBe('exhausted');
    expect(result.programsEvaluated).toBe(2);
  });
});

describe('LmPolicy caches (table model)', () => {
  // Vocabulary: 0 <eos>, 1 'a', 2 'b', 3 'c'. After k tokens the model prefers a > b > c, then ends at 3.
  const vocab = wordVocab(['<eos>', 'a', 'b', 'c'], [0]);
  const L = Math.log;
  const next = (tokens: readonly number[]) => (tokens.length >= 4 ? [0, -9, -9, -9] : [-Infinity, L(0.6), L(0.3), L(0.1)]);
  const make = (caches: boolean, model = new TableModel(4, next)) =>
    new LmPolicy(model, vocab, [3], { caches, decode: { maxTokens: 10, eosIds: [0] }, program: (g) => g });

  it('a rollout fills the tree cache, so expanding along it needs no forward pass', async () => {
    const policy = make(true);
    const r = await policy.rollout([]);
    expect(r.program).toBe('aaa');
    const afterRollout = policy.forwardPasses;
    expect(afterRollout).toBe(4); // prompt, then one pass per generated token
    const proposals = await policy.expand([1]);
    expect(proposals.map((p) => p.token)).toEqual([1, 2, 3]);
    expect(proposals.reduce((s, p) => s + p.prior, 0)).toBeCloseTo(1);
    expect(proposals[0]!.prior).toBeCloseTo(0.6);
    expect(policy.stats.treeCacheHits).toBe(1);
    expect(policy.forwardPasses).toBe(afterRollout);
  });

  it('a prefix of a generated program completes from the sequence cache without the model', async () => {
    const policy = make(true);
    await policy.rollout([]);
    const passes = policy.forwardPasses;
    expect((await policy.rollout([1, 1])).program).toBe('aaa');
    expect(policy.stats.sequenceCacheHits).toBe(1);
    expect(policy.forwardPasses).toBe(passes);
    // A new branch needs the model, from the prompt's cache: one pass for the branch prefix, then greedy.
    expect((await policy.rollout([2])).program).toBe('baa');
    expect(policy.forwardPasses).toBe(passes + 3);
  });

  it('without caches the same work costs more forward passes', async () => {
    const work = async (p: ReturnType<typeof make>) => {
      await p.rollout([]);
      await p.expand([]);
      await p.expand([1]);
      await p.rollout([1]);
      await p.rollout([1, 1]);
      return p.forwardPasses;
    };
    const withCaches = await work(make(true));
    const without = await work(make(false));
    expect(withCaches).toBe(4);
    expect(without).toBeGreaterThanOrEqual(2 * withCaches);
  });

  it('finds the program greedy misses with a real tree search over the model', async () => {
    const result = await planSearch(make(true), async (p) => (p === 'aba' ? 1 : 0), { rollouts: 30 });
    expect(result.best?.program).toBe('aba');
  });
});
