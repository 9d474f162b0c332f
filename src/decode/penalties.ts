import type { LogitsProcessor, SequenceView } from './logits-processor.js';

/**
 * CTRL-style repetition penalty over the generated tokens: a seen token's positive logit is divided by
 * `penalty`, a negative one multiplied. Tiny models loop; 1.1–1.3 breaks most loops.
 */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  constructor(readonly penalty: number) {
    if (!(penalty >= 1)) throw new RangeError(`repetition penalty must be >= 1, got ${penalty}`);
  }

  process(sequence: SequenceView, logits: Float32Array): void {
    const seen = new Set(sequence.generatedIds);
    for (const id of seen) {
      const v = logits[id]!;
      logits[id] = v > 0 ? v / this.penalty : v * this.penalty;
    }
  }
}

/** Forbids any token that would repeat an n-gram already present in the generated tokens. */
export class NoRepeatNgramProcessor implements LogitsProcessor {
  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`no-repeat n-gram size must be a positive integer, got ${n}`);
  }

  process(sequence: SequenceView, logits: Float32Array): void {
    const ids = sequence.generatedIds;
    const n = this.n;
    if (ids.length < n - 1) return;
    const tail = ids.slice(ids.length - (n - 1));
    for (let start = 0; start + n <= ids.length; start++) {
      let same = true;
      for (let j = 0; j < n - 1 && same; j++) same = ids[start + j] === tail[j];
      if (same) logits[ids[start + n - 1]!] = -Infinity;
    }
  }
}
