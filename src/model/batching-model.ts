import type { PrefixModel } from '../decode/step-model.js';
import type { CausalLM } from './causal-lm.js';
import { KvCache } from './kv-cache.js';

/**
 * One generation's row of a batched cache. While the same generations keep stepping together, their next pass
 * reuses the batch's cache as it is: nothing is copied until the group changes.
 */
export class RowRef {
  constructor(
    readonly batch: KvCache,
    readonly row: number,
  ) {}
}

/** What the batching model hands out as a cache: a cache of its own, or a row of a batch. */
export type BatchedCache = KvCache | RowRef;

interface Step {
  readonly id: number;
  readonly cache: BatchedCache;
  readonly resolve: (out: { logits: Float32Array; cache: BatchedCache }) => void;
  readonly reject: (e: unknown) => void;
}

export interface BatchingStats {
  /** Forward passes that ran decoding steps, and the steps they carried. */
  batches: number;
  steps: number;
  /** Passes that reused the previous pass's cache as it was (no copy). */
  reused: number;
}

const own = (c: BatchedCache): KvCache => (c instanceof RowRef ? c.batch.unpaddedRow(c.row) : c);
const unpadded = (c: KvCache) => c.batch === 1 && c.positions[0] === c.length;

/**
 * Cross-request batching: the one-token decoding steps of separate generations that are waiting at the same
 * time run as one forward pass, rows left-padded to the longest — the model's weights are read once for all
 * of them. While a pass runs, the steps that arrive wait for the next; a step that finds the model idle starts
 * at once (no added delay). A group that steps together again reuses its batch cache without copying; when the
 * group changes, its rows are gathered once. Prefills and multi-row calls (beam search) pass straight through.
 */
export class BatchingModel implements PrefixModel<BatchedCache> {
  readonly stats: BatchingStats = { batches: 0, steps: 0, reused: 0 };
  private queue: Step[] = [];
  private running = false;

  constructor(
    private readonly inner: CausalLM,
    /** Most steps in one pass. */
    readonly maxBatch = 16,
  ) {}

  get vocabSize(): number {
    return this.inner.vocabSize;
  }

  get maxPositions(): number {
    return this.inner.maxPositions;
  }

  selectRows(cache: BatchedCache, rows: readonly number[]): KvCache {
    return cache instanceof RowRef ? cache.batch.selectRows(rows.map(() => cache.row)) : cache.selectRows(rows);
  }

  cachedLength(cache: BatchedCache, row: number): number {
    return cache instanceof RowRef ? cache.batch.rowLength(cache.row) : cache.rowLength(row);
  }

  cachePrefix(cache: BatchedCache, length: number): KvCache {
    return own(cache).prefix(length);
  }

  cacheBytes(cache: BatchedCache): number {
    return cache instanceof RowRef ? cache.batch.byteLength / cache.batch.batch : cache.byteLength;
  }

  forward(rows: readonly (readonly number[])[], cache?: BatchedCache): Promise<{ logits: Float32Array; cache: BatchedCache }> {
    const step = cache !== undefined && rows.length === 1 && rows[0]!.length === 1 && (cache instanceof RowRef || unpadded(cache));
    if (!step) return this.inner.forward(rows, cache === undefined ? undefined : own(cache));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: rows[0]![0]!, cache: cache!, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** The batch cache for `steps` (reordered to match it when it is reused as it is). */
  private gather(steps: Step[]): { steps: Step[]; cache: KvCache } {
    const first = steps[0]!.cache;
    if (first instanceof RowRef && steps.every((s) => s.cache instanceof RowRef && s.cache.batch === first.batch)) {
      const byRow = [...steps].sort((a, b) => (a.cache as RowRef).row - (b.cache as RowRef).row);
      if (byRow.length === first.batch.batch) {
        this.stats.reused++;
        return { steps: byRow, cache: first.batch };
      }
      return { steps, cache: first.batch.selectRows(steps.map((s) => (s.cache as RowRef).row)) };
    }
    return { steps, cache: KvCache.stack(steps.map((s) => own(s.cache))) };
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Steps queued in this same turn of the event loop join the first pass.
      await new Promise((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const taken = this.queue.splice(0, this.maxBatch);
        this.stats.batches++;
        this.stats.steps += taken.length;
        try {
          if (taken.length === 1) {
            const s = taken[0]!;
            s.resolve(await this.inner.forward([[s.id]], own(s.cache)));
            continue;
          }
          const { steps, cache } = this.gather(taken);
          const out = await this.inner.forward(
            steps.map((s) => [s.id]),
            cache,
          );
          const V = this.inner.vocabSize;
          steps.forEach((s, i) => s.resolve({ logits: out.logits.slice(i * V, (i + 1) * V), cache: new RowRef(out.cache, i) }));
        } catch (e) {
          for (const s of taken) s.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
