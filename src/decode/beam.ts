import type { VocabEntry } from '../model/tokenizer.js';
import { buildProcessorChain, reviewedTop, validateDecodeOptions, type DecodeOptions } from './generate.js';
import type { SequenceView } from './logits-processor.js';
import { decodeLoop, type DecodeStep } from './decode-loop.js';
import { Sequence, type FinishReason } from './sequence.js';
import type { StepModel } from './step-model.js';

export interface BeamOptions extends Omit<DecodeOptions, 'temperature' | 'topK' | 'topP' | 'seed'> {
  readonly numBeams: number;
  /** Scores are divided by length^lengthPenalty; 1 (default) is the mean log-probability. */
  readonly lengthPenalty?: number | undefined;
}

export interface Hypothesis {
  readonly ids: readonly number[];
  readonly text: string;
  /** Length-normalized log-probability. */
  readonly score: number;
  readonly finishReason: FinishReason;
}

export interface BeamResult {
  /** Best first; `numBeams` of them unless the search ran out of candidates. */
  readonly hypotheses: readonly Hypothesis[];
  readonly prefillMs: number;
  readonly decodeMs: number;
}

interface Beam {
  readonly seq: Sequence;
  /** Sum of token log-probabilities. */
  readonly logProb: number;
  readonly row: number;
}

/** Beam search: all beams advance together as rows of one batched forward pass. */
export async function beamSearch<C>(
  model: StepModel<C>,
  vocab: readonly VocabEntry[],
  promptIds: readonly number[],
  options: BeamOptions,
): Promise<BeamResult> {
  validateDecodeOptions(options);
  const { numBeams, signal } = options;
  if (!Number.isInteger(numBeams) || numBeams < 1) throw new RangeError(`beams must be a positive integer, got ${numBeams}`);
  if (promptIds.length === 0) throw new RangeError('the prompt has no tokens');
  const lengthPenalty = options.lengthPenalty ?? 1;
  const normalize = (logProb: number, length: number) => logProb / Math.max(1, length) ** lengthPenalty;
  const chain = buildProcessorChain(options, vocab);

  const t0 = performance.now();
  const prefill = await model.forward([promptIds]);
  const prefillMs = performance.now() - t0;
  const t1 = performance.now();

  const finished: Hypothesis[] = [];
  const addFinished = (seq: Sequence, logProb: number, finishReason: FinishReason, text = seq.resultText(options)) =>
    finished.push({ ids: seq.ids, text, score: normalize(logProb, seq.ids.length), finishReason });
  const worstKept = () => {
    const scores = finished.map((h) => h.score).sort((a, b) => b - a);
    return scores.length >= numBeams ? scores[numBeams - 1]! : -Infinity;
  };

  let current: readonly Beam[] = [];
  const step: DecodeStep<Beam> = async (beams, logits) => {
    current = beams;
    const V = model.vocabSize;
    const candidates: { beam: Beam; id: number; logProb: number }[] = [];
    for (const beam of beams) {
      const row = logits.subarray(beam.row * V, (beam.row + 1) * V);
      const view: SequenceView = { row: beam.row, promptIds, generatedIds: beam.seq.ids, generatedText: beam.seq.text, signal };
      const pending = chain.process(view, row);
      if (pending) await pending;
      for (const id of await reviewedTop(chain, view, row, 2 * numBeams)) {
        candidates.push({ beam, id, logProb: beam.logProb + row[id]! });
      }
    }
    candidates.sort((a, b) => b.logProb - a.logProb);
    const next: Beam[] = [];
    for (let rank = 0; rank < candidates.length && next.length < numBeams; rank++) {
      const { beam, id, logProb } = candidates[rank]!;
      const seq = beam.seq.append(id, vocab);
      const end = seq.checkEnd(id, vocab, options);
      if (end) {
        // A finished candidate counts only if it ranks among the best `numBeams` (as in transformers).
        if (rank < numBeams) addFinished(seq, logProb, end.reason, end.text);
      } else if (seq.ids.length >= options.maxTokens) {
        addFinished(seq, logProb, 'length');
      } else {
        next.push({ seq, logProb, row: beam.row });
      }
    }
    // Done when no running beam can beat the kept finished ones (length-normalized scores only fall further).
    const bestRunning = Math.max(...next.map((b) => normalize(b.logProb, b.seq.ids.length)));
    return finished.length >= numBeams && bestRunning <= worstKept() ? [] : next;
  };
  const loop = await decodeLoop(model, prefill, [{ seq: Sequence.empty, logProb: 0, row: 0 }], step, { signal });
  const reason = loop.reason;
  const beams = loop.rows;
  if (reason === 'context') for (const b of beams) addFinished(b.seq, b.logProb, 'context');
  if (reason === 'cancelled') for (const b of beams) addFinished(b.seq, b.logProb, 'cancelled');
  if (finished.length === 0) for (const b of beams.length ? beams : current) addFinished(b.seq, b.logProb, 'masked');
  finished.sort((a, b) => b.score - a.score);
  return { hypotheses: finished.slice(0, numBeams), prefillMs, decodeMs: performance.now() - t1 };
}
