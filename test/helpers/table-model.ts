import type { StepModel } from '../../src/decode/step-model.js';
import type { VocabEntry } from '../../src/model/tokenizer.js';

/** Cache of the table model: each row's tokens so far. */
export type TableCache = number[][];

/**
 * A pure stand-in for unit tests of the decoding logic (not for integration tests): next-token logits are a
 * function of the row's tokens so far.
 */
export class TableModel implements StepModel<TableCache> {
  forwardCalls = 0;
  constructor(
    readonly vocabSize: number,
    private readonly next: (tokens: readonly number[]) => ArrayLike<number>,
    readonly maxPositions = 1024,
  ) {}

  async forward(rows: readonly (readonly number[])[], cache?: TableCache) {
    this.forwardCalls++;
    const out = (cache ?? rows.map(() => [])).map((r, i) => [...r, ...rows[i]!]);
    const logits = new Float32Array(rows.length * this.vocabSize);
    out.forEach((tokens, r) => logits.set(Float32Array.from(this.next(tokens)), r * this.vocabSize));
    return { logits, cache: out };
  }

  selectRows(cache: TableCache, rows: readonly number[]): TableCache {
    return rows.map((r) => [...cache[r]!]);
  }

  cachedLength(cache: TableCache, row: number): number {
    return cache[row]!.length;
  }
}

/** A vocabulary whose token i spells `words[i]`; ids listed in `special` are special. */
export function wordVocab(words: readonly string[], special: readonly number[] = []): VocabEntry[] {
  return words.map((w, id) => {
    const bytes = new TextEncoder().encode(w);
    return { id, bytes, text: w, special: special.includes(id) };
  });
}
