import type { VocabEntry } from '../model/tokenizer.js';
import { ForcedPrefixProcessor } from './forced-prefix.js';
import { LogitsProcessorList, type LogitsProcessor, type SequenceView } from './logits-processor.js';
import { NoRepeatNgramProcessor, RepetitionPenaltyProcessor } from './penalties.js';
import { applyTemperature, applyTopK, applyTopP, argmax, logSoftmax, sampleIndex, seededRandom, topIndices } from './sampling.js';
import { decodeSequence } from './decode-loop.js';
import { Sequence, type FinishReason, type StopCriteria } from './sequence.js';
import type { StepModel } from './step-model.js';

/** How to pick tokens and when to stop. */
export interface DecodeOptions extends StopCriteria {
  readonly maxTokens: number;
  /** 0 (default) is greedy; above 0 samples from the tempered distribution. */
  readonly temperature?: number | undefined;
  readonly topK?: number | undefined;
  readonly topP?: number | undefined;
  /** Sampling seed: the same seed gives the same output. A random one is drawn (and reported) when omitted. */
  readonly seed?: number | undefined;
  /** 1 (default) is off. */
  readonly repetitionPenalty?: number | undefined;
  /** 0 (default) is off. */
  readonly noRepeatNgram?: number | undefined;
  /** Constraints (monitors first), applied before the penalties, temperature, top-k and top-p. */
  readonly processors?: readonly LogitsProcessor[] | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface DecodeResult {
  /** Every generated token (a stop string or stop mode may cut the text within the last ones). */
  readonly ids: readonly number[];
  readonly text: string;
  readonly finishReason: FinishReason;
  /** Seed used for sampling (undefined for greedy). */
  readonly seed: number | undefined;
  readonly prefillMs: number;
  readonly decodeMs: number;
}

/** Checks option ranges; throws RangeError with a message naming the option. */
export function validateDecodeOptions(o: DecodeOptions): void {
  const check = (ok: boolean, msg: string) => {
    if (!ok) throw new RangeError(msg);
  };
  check(Number.isInteger(o.maxTokens) && o.maxTokens >= 1, `max tokens must be a positive integer, got ${o.maxTokens}`);
  check(o.temperature === undefined || (o.temperature >= 0 && Number.isFinite(o.temperature)), `temperature must be >= 0, got ${o.temperature}`);
  check(o.topK === undefined || (Number.isInteger(o.topK) && o.topK >= 0), `top-k must be a non-negative integer, got ${o.topK}`);
  check(o.topP === undefined || (o.topP > 0 && o.topP <= 1), `top-p must be in (0, 1], got ${o.topP}`);
  check(o.seed === undefined || Number.isInteger(o.seed), `seed must be an integer, got ${o.seed}`);
}

/**
 * The logits-processor chain in its fixed order: the forced prefix of token healing, the caller's constraints
 * (monitor masks), then the
 * repetition controls. Warpers (temperature, top-k, top-p) run after the chain, so top-k never keeps only
 * masked tokens.
 */
export function buildProcessorChain(o: DecodeOptions, vocab: readonly VocabEntry[]): LogitsProcessorList {
  const chain = new LogitsProcessorList();
  if (o.forcedPrefix) chain.push(new ForcedPrefixProcessor(o.forcedPrefix, vocab));
  for (const p of o.processors ?? []) chain.push(p);
  if (o.repetitionPenalty !== undefined && o.repetitionPenalty !== 1) chain.push(new RepetitionPenaltyProcessor(o.repetitionPenalty));
  if (o.noRepeatNgram) chain.push(new NoRepeatNgramProcessor(o.noRepeatNgram));
  return chain;
}

/** Picks the next token from processed logits: argmax, or a seeded draw after temperature / top-k / top-p. */
export function chooseToken(logits: Float32Array, o: DecodeOptions, random: (() => number) | undefined): number {
  if (!random || !o.temperature) return argmax(logits);
  applyTemperature(logits, o.temperature);
  if (o.topK) applyTopK(logits, o.topK);
  if (o.topP !== undefined && o.topP < 1) applyTopP(logits, o.topP);
  return sampleIndex(logits, random);
}

/** Most re-choices a review may ask for in one step before the step gives up ('masked'). */
const MAX_REVIEWS = 32;

/**
 * Chooses a token and lets the chain's reviewers veto it: a veto masks more of the processed logits and the
 * choice is made again from them (same warpers, next random draw).
 */
export async function chooseReviewed(
  chain: LogitsProcessorList,
  view: SequenceView,
  logits: Float32Array,
  options: DecodeOptions,
  random: (() => number) | undefined,
): Promise<number> {
  if (!chain.reviews) return chooseToken(logits, options, random);
  for (let attempt = 0; attempt < MAX_REVIEWS; attempt++) {
    const id = chooseToken(Float32Array.from(logits), options, random);
    if (id < 0 || !(await chain.review(view, id, logits))) return id;
    if (logits[id] !== -Infinity) throw new Error('a reviewer vetoed a token without masking it');
  }
  return -1;
}

/**
 * The `k` likeliest tokens of a processed row that the chain's reviewers accept; `row` ends up holding
 * log-probabilities renormalized over what the reviewers left.
 */
export async function reviewedTop(chain: LogitsProcessorList, view: SequenceView, row: Float32Array, k: number): Promise<number[]> {
  for (let round = 0; ; round++) {
    const top = topIndices(row, k);
    let vetoed = false;
    if (chain.reviews && round < MAX_REVIEWS) {
      for (const id of top) if (await chain.review(view, id, row)) vetoed = true;
    }
    if (!vetoed) {
      row.set(logSoftmax(row));
      return top;
    }
  }
}

/** Greedy or sampled decoding of one sequence after `promptIds`. */
export async function generate<C>(
  model: StepModel<C>,
  vocab: readonly VocabEntry[],
  promptIds: readonly number[],
  options: DecodeOptions,
  hooks: { readonly onToken?: ((seq: Sequence) => void | Promise<void>) | undefined } = {},
): Promise<DecodeResult> {
  validateDecodeOptions(options);
  if (promptIds.length === 0) throw new RangeError('the prompt has no tokens');
  const sampling = !!options.temperature;
  const seed = sampling ? (options.seed ?? Math.floor(Math.random() * 2 ** 31)) : undefined;
  const random = seed === undefined ? undefined : seededRandom(seed);
  const chain = buildProcessorChain(options, vocab);

  const t0 = performance.now();
  const prefill = await model.forward([promptIds]);
  const prefillMs = performance.now() - t0;
  const t1 = performance.now();

  const end = await decodeSequence(model, prefill, Sequence.empty, vocab, chain, promptIds, options, (view, logits) => chooseReviewed(chain, view, logits, options, random), hooks.onToken);
  return {
    ids: end.seq.ids,
    text: end.text,
    finishReason: end.reason,
    seed,
    prefillMs,
    decodeMs: performance.now() - t1,
  };
}
