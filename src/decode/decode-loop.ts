import type { VocabEntry } from '../model/tokenizer.js';
import type { LogitsProcessorList, SequenceView } from './logits-processor.js';
import type { FinishReason, Sequence, StopCriteria } from './sequence.js';
import type { StepModel } from './step-model.js';

/** A sequence being decoded, and which row of the batch (logits and cache) holds it. */
export interface LiveRow {
  readonly seq: Sequence;
  readonly row: number;
}

/** Where a loop starts or resumes: next-token logits and the cache of each live row. */
export interface LoopState<C> {
  readonly logits: Float32Array;
  readonly cache: C;
}

/**
 * One step of a decoding strategy: given the live rows and their next-token logits (one vocabulary row each,
 * at `row * vocabSize`), the rows that go on, each with its sequence one token longer and `row` naming the row
 * it came from. Rows that ended are the strategy's own business (it keeps them); an empty result ends the loop.
 */
export type DecodeStep<R extends LiveRow> = (rows: readonly R[], logits: Float32Array) => Promise<readonly R[]>;

export interface LoopHooks<R extends LiveRow> {
  readonly signal?: AbortSignal | undefined;
  /** Called after every step with the rows that go on (streaming reads its text from here). */
  readonly onStep?: ((rows: readonly R[]) => void | Promise<void>) | undefined;
}

export interface LoopEnd<R extends LiveRow, C> {
  /** Why the loop stopped: `done` (the strategy ended every row), `cancelled`, or `context` (window full). */
  readonly reason: 'done' | 'cancelled' | 'context';
  /** The rows still live when it stopped (empty when done). */
  readonly rows: readonly R[];
  readonly state: LoopState<C>;
}

/**
 * The decoding loop — the only one: greedy and sampled generation, beam search and the planner's rollouts are
 * strategies (`DecodeStep`) run by it. It starts from any state (a prompt's prefill, or a prefix of a search
 * tree), so it is resumable; it checks cancellation before every step and after every await, calls `onStep`
 * once per token, and feeds the chosen tokens back through the model as one batched forward pass.
 */
export async function decodeLoop<C, R extends LiveRow>(
  model: StepModel<C>,
  start: LoopState<C>,
  first: readonly R[],
  step: DecodeStep<R>,
  hooks: LoopHooks<R> = {},
): Promise<LoopEnd<R, C>> {
  let state = start;
  let rows = first;
  const { signal } = hooks;
  for (;;) {
    if (signal?.aborted) return { reason: 'cancelled', rows, state };
    const next = await step(rows, state.logits);
    if (signal?.aborted) return { reason: 'cancelled', rows: next.length ? next : rows, state };
    if (hooks.onStep) await hooks.onStep(next);
    if (next.length === 0) return { reason: 'done', rows: next, state };
    if (next.some((r) => model.cachedLength(state.cache, r.row) >= model.maxPositions)) return { reason: 'context', rows: next, state };
    const sameRows = next.length === rows.length && next.every((r, i) => r.row === i);
    const cache = sameRows ? state.cache : model.selectRows(state.cache, next.map((r) => r.row));
    rows = next.map((r, i) => ({ ...r, row: i }));
    state = await model.forward(
      rows.map((r) => [r.seq.ids[r.seq.ids.length - 1]!]),
      cache,
    );
  }
}

/** How a single-sequence step picks its token from processed logits (-1: nothing left to pick). */
export type Chooser = (view: SequenceView, logits: Float32Array) => Promise<number>;

/** How a single sequence ended, as `singleSequenceStep` records it. */
export interface SingleEnd {
  reason: FinishReason;
  text: string;
  seq: Sequence;
}

/**
 * The step of one sequence (generation, a planner's rollout): run the processor chain on its logits, choose a
 * token, append it and check the stop criteria and the length limit. `ended` receives how it ended.
 */
function singleSequenceStep(
  vocab: readonly VocabEntry[],
  chain: LogitsProcessorList,
  promptIds: readonly number[],
  criteria: StopCriteria & { readonly maxTokens: number; readonly signal?: AbortSignal | undefined },
  choose: Chooser,
  ended: (end: SingleEnd) => void,
): DecodeStep<LiveRow> {
  return async ([live], logits) => {
    const { seq } = live!;
    const view: SequenceView = { row: 0, promptIds, generatedIds: seq.ids, generatedText: seq.text, signal: criteria.signal };
    const pending = chain.process(view, logits);
    if (pending) await pending;
    if (criteria.signal?.aborted) return [live!];
    const id = await choose(view, logits);
    if (id < 0) {
      ended({ reason: 'masked', text: seq.resultText(criteria), seq });
      return [];
    }
    const next = seq.append(id, vocab);
    const end = next.checkEnd(id, vocab, criteria);
    if (end) ended({ ...end, seq: next });
    else if (next.ids.length >= criteria.maxTokens) ended({ reason: 'length', text: next.resultText(criteria), seq: next });
    else return [{ seq: next, row: 0 }];
    return [];
  };
}

/**
 * Decodes one sequence from `start` (logits and cache after the prompt and `seq`'s tokens) until it ends: what
 * generation and the planner's rollouts share. `onToken` sees the sequence after every token that did not end it.
 */
export async function decodeSequence<C>(
  model: StepModel<C>,
  start: LoopState<C>,
  seq: Sequence,
  vocab: readonly VocabEntry[],
  chain: LogitsProcessorList,
  promptIds: readonly number[],
  criteria: StopCriteria & { readonly maxTokens: number; readonly signal?: AbortSignal | undefined },
  choose: Chooser,
  onToken?: ((seq: Sequence) => void | Promise<void>) | undefined,
): Promise<SingleEnd> {
  let ended: SingleEnd | undefined;
  const step = singleSequenceStep(vocab, chain, promptIds, criteria, choose, (e) => (ended = e));
  const loop = await decodeLoop(model, start, [{ seq, row: 0 }], step, {
    signal: criteria.signal,
    onStep: onToken && ((rows) => (rows[0] ? onToken(rows[0].seq) : undefined)),
  });
  if (ended) return ended;
  // Stopped from outside the step: cancelled, or the context window is full.
  const last = loop.rows[0]!.seq;
  return { reason: loop.reason === 'done' ? 'masked' : loop.reason, text: last.resultText(criteria), seq: last };
}
