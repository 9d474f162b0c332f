import type { PrefixModel, StepModel } from './step-model.js';

export interface PromptCacheStats {
  /** Prefills that reused a cached prefix (an exact repeat included). */
  hits: number;
  misses: number;
  /** Prompt tokens whose keys/values came from the cache, and tokens the model had to read. */
  reusedTokens: number;
  prefilledTokens: number;
}

interface Entry<C> {
  readonly ids: readonly number[];
  readonly cache: C;
  /** Next-token logits after the whole prompt (an exact repeat needs no forward pass). */
  readonly logits: Float32Array;
  readonly bytes: number;
}

function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Keys and values of recent prompts, shared across requests (as llama.cpp's server does with `cache_prompt`):
 * a prefill (a one-row `forward` without a cache) reads only the tokens after the longest token prefix it
 * shares with a cached prompt. An editor sends nearly the same prompt on every keystroke, so this turns a
 * prefill of ~1,000 tokens into one of a few. Bounded by bytes, least recently used first out.
 *
 * It is a `StepModel` wrapping the model: decoding, beam search and planning use it unchanged. Token healing
 * and FIM change the prompt's tokens, and the cache is keyed by tokens, so they are served exactly.
 */
export class PromptCache<C> implements StepModel<C> {
  readonly stats: PromptCacheStats = { hits: 0, misses: 0, reusedTokens: 0, prefilledTokens: 0 };
  private readonly entries = new Map<number, Entry<C>>();
  private nextKey = 0;
  private bytes = 0;

  constructor(
    private readonly inner: PrefixModel<C>,
    /** Most memory the cached keys/values may hold. */
    readonly maxBytes: number,
  ) {}

  get vocabSize(): number {
    return this.inner.vocabSize;
  }

  get maxPositions(): number {
    return this.inner.maxPositions;
  }

  selectRows(cache: C, rows: readonly number[]): C {
    return this.inner.selectRows(cache, rows);
  }

  cachedLength(cache: C, row: number): number {
    return this.inner.cachedLength(cache, row);
  }

  /** Bytes held now. */
  get size(): number {
    return this.bytes;
  }

  async forward(rows: readonly (readonly number[])[], cache?: C): Promise<{ logits: Float32Array; cache: C }> {
    if (cache !== undefined || rows.length !== 1 || this.maxBytes <= 0) return this.inner.forward(rows, cache);
    return this.prefill(rows[0]!);
  }

  private async prefill(ids: readonly number[]): Promise<{ logits: Float32Array; cache: C }> {
    let best: [number, Entry<C>] | undefined;
    let bestLength = 0;
    for (const [key, entry] of this.entries) {
      const n = sharedPrefix(entry.ids, ids);
      if (n > bestLength) [best, bestLength] = [[key, entry], n];
    }
    if (best && bestLength === ids.length && best[1].ids.length === ids.length) {
      this.touch(best[0], best[1]);
      this.stats.hits++;
      this.stats.reusedTokens += ids.length;
      return { logits: Float32Array.from(best[1].logits), cache: best[1].cache };
    }
    // At least one token is read: its logits are the prefill's answer.
    const reuse = Math.min(bestLength, ids.length - 1);
    let out: { logits: Float32Array; cache: C };
    if (best && reuse > 0) {
      this.touch(best[0], best[1]);
      this.stats.hits++;
      this.stats.reusedTokens += reuse;
      this.stats.prefilledTokens += ids.length - reuse;
      out = await this.inner.forward([ids.slice(reuse)], this.inner.cachePrefix(best[1].cache, reuse));
    } else {
      this.stats.misses++;
      this.stats.prefilledTokens += ids.length;
      out = await this.inner.forward([ids]);
    }
    this.store(ids, out);
    return out;
  }

  private touch(key: number, entry: Entry<C>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private store(ids: readonly number[], out: { logits: Float32Array; cache: C }): void {
    const bytes = this.inner.cacheBytes(out.cache) + out.logits.byteLength;
    if (bytes > this.maxBytes) return;
    // A cached prompt that this one extends is covered by it: its prefix can be cut from the new entry.
    for (const [key, entry] of this.entries) {
      if (entry.ids.length <= ids.length && sharedPrefix(entry.ids, ids) === entry.ids.length) this.drop(key);
    }
    this.entries.set(this.nextKey++, { ids: [...ids], cache: out.cache, logits: Float32Array.from(out.logits), bytes });
    this.bytes += bytes;
    for (const key of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(key);
    }
  }

  private drop(key: number): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
