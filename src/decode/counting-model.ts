import type { StepModel } from './step-model.js';

/** A model wrapper that counts forward passes (one per `forward` call, whatever the batch or length). */
export class CountingModel<C> implements StepModel<C> {
  calls = 0;

  constructor(private readonly inner: StepModel<C>) {}

  get vocabSize(): number {
    return this.inner.vocabSize;
  }

  get maxPositions(): number {
    return this.inner.maxPositions;
  }

  forward(rows: readonly (readonly number[])[], cache?: C) {
    this.calls++;
    return this.inner.forward(rows, cache);
  }

  selectRows(cache: C, rows: readonly number[]): C {
    return this.inner.selectRows(cache, rows);
  }

  cachedLength(cache: C, row: number): number {
    return this.inner.cachedLength(cache, row);
  }
}
