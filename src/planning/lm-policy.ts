import { CountingModel } from '../decode/counting-model.js';
import { decodeSequence, type Chooser } from '../decode/decode-loop.js';
import { buildProcessorChain, chooseReviewed, reviewedTop, type DecodeOptions } from '../decode/generate.js';
import type { SequenceView } from '../decode/logits-processor.js';
import { Sequence } from '../decode/sequence.js';
import type { StepModel } from '../decode/step-model.js';
import type { VocabEntry } from '../model/tokenizer.js';
import type { Policy, Proposal, Rollout } from './mcts.js';

export interface LmPolicyOptions {
  /** Proposals per expansion (PG-TD: 3). */
  readonly k?: number;
  /** Keep the tree cache (top-k of every prefix a rollout passed) and the sequence cache (default true). */
  readonly caches?: boolean;
  /** Stop criteria, length limit and processors (forced prefix, monitors), as for decoding. */
  readonly decode: DecodeOptions;
  /** The program for a generated text (e.g. the prompt followed by it). */
  readonly program: (generated: string) => string;
}

export interface PolicyStats {
  treeCacheHits: number;
  sequenceCacheHits: number;
}

interface Top {
  readonly tokens: readonly number[];
  readonly logits: readonly number[];
}

/**
 * The language model as a PG-TD policy. Every evaluation continues from the prompt's KV cache (prefilled once).
 * Tree cache: the top-k tokens at every prefix a rollout passed, so expanding it later needs no forward pass.
 * Sequence cache: greedy rollouts are deterministic, so a prefix of an already generated program completes to
 * that program without the model.
 */
export class LmPolicy<C> implements Policy {
  readonly stats: PolicyStats = { treeCacheHits: 0, sequenceCacheHits: 0 };
  private readonly model: CountingModel<C>;
  private prompt: Promise<{ logits: Float32Array; cache: C }> | undefined;
  private readonly tree = new Map<string, Top>();
  private readonly sequences: Rollout[] = [];
  private readonly k: number;
  private readonly caches: boolean;
  private readonly chain;

  constructor(
    model: StepModel<C>,
    private readonly vocab: readonly VocabEntry[],
    private readonly promptIds: readonly number[],
    private readonly options: LmPolicyOptions,
  ) {
    this.model = new CountingModel(model);
    this.k = options.k ?? 3;
    this.caches = options.caches ?? true;
    this.chain = buildProcessorChain(options.decode, vocab);
  }

  get forwardPasses(): number {
    return this.model.calls;
  }

  private promptState() {
    return (this.prompt ??= this.model.forward([this.promptIds]));
  }

  /** Logits (before the processor chain) at `prefix`, and the cache holding prompt + prefix. */
  private async state(prefix: readonly number[]): Promise<{ logits: Float32Array; cache: C }> {
    const start = await this.promptState();
    return prefix.length ? this.model.forward([prefix], start.cache) : { logits: Float32Array.from(start.logits), cache: start.cache };
  }

  private view(seq: Sequence): SequenceView {
    return { row: 0, promptIds: this.promptIds, generatedIds: seq.ids, generatedText: seq.text, signal: this.options.decode.signal };
  }

  /** The top-k of processed logits at a prefix (reviewers may veto candidates), kept in the tree cache. */
  private async remember(view: SequenceView, logits: Float32Array): Promise<Top> {
    const row = Float32Array.from(logits);
    const tokens = await reviewedTop(this.chain, view, row, this.k);
    const top = { tokens, logits: tokens.map((t) => row[t]!) };
    if (this.caches) this.tree.set(view.generatedIds.join(','), top);
    return top;
  }

  /** The sequence of `prefix`, and how it ended (end of sequence, stop mode, length) if it has. */
  private walk(prefix: readonly number[]): { seq: Sequence; end: { text: string } | undefined } {
    let seq = Sequence.empty;
    for (const id of prefix) {
      seq = seq.append(id, this.vocab);
      const end = seq.checkEnd(id, this.vocab, this.options.decode);
      if (end) return { seq, end: { text: end.text } };
    }
    const full = prefix.length >= this.options.decode.maxTokens;
    return { seq, end: full ? { text: seq.resultText(this.options.decode) } : undefined };
  }

  isTerminal(prefix: readonly number[]): boolean {
    return this.walk(prefix).end !== undefined;
  }

  async expand(prefix: readonly number[]): Promise<readonly Proposal[]> {
    let top = this.caches ? this.tree.get(prefix.join(',')) : undefined;
    if (top) this.stats.treeCacheHits++;
    else {
      const view = this.view(this.walk(prefix).seq);
      const { logits } = await this.state(prefix);
      const pending = this.chain.process(view, logits);
      if (pending) await pending;
      top = await this.remember(view, logits);
    }
    // Priors: softmax over the k proposals' logits.
    const finite = top.logits.map((l, i) => ({ l, t: top!.tokens[i]! })).filter((x) => x.l > -Infinity);
    const max = Math.max(...finite.map((x) => x.l));
    const z = finite.reduce((s, x) => s + Math.exp(x.l - max), 0);
    return finite.map((x) => ({ token: x.t, prior: Math.exp(x.l - max) / z }));
  }

  async rollout(prefix: readonly number[]): Promise<Rollout> {
    if (this.caches) {
      const hit = this.sequences.find((r) => prefix.length <= r.tokens.length && prefix.every((t, i) => r.tokens[i] === t));
      if (hit) {
        this.stats.sequenceCacheHits++;
        return hit;
      }
    }
    const walked = this.walk(prefix);
    if (walked.end) return this.finish(prefix, walked.end.text);
    const start = await this.state(prefix);
    const decode = this.options.decode;
    const choose: Chooser = async (view, logits) => {
      if (this.caches) await this.remember(view, logits);
      return chooseReviewed(this.chain, view, logits, decode, undefined);
    };
    // Decoding continues the prefix's sequence (the walk rebuilt it), so the length limit counts the prefix too.
    const end = await decodeSequence(this.model, start, walked.seq, this.vocab, this.chain, this.promptIds, decode, choose);
    return this.finish(end.seq.ids, end.text);
  }

  private finish(tokens: readonly number[], text: string): Rollout {
    const rollout = { tokens: [...tokens], program: this.options.program(text) };
    if (this.caches) this.sequences.push(rollout);
    return rollout;
  }
}
