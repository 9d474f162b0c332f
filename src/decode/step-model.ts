/**
 * What decoding needs from a language model: batched next-token logits with an opaque cache. `CausalLM`
 * (ONNX Runtime) implements it; unit tests can use a small table-driven model.
 */
export interface StepModel<Cache> {
  readonly vocabSize: number;
  /** Context window in tokens. */
  readonly maxPositions: number;
  /** Appends `rows[r]` to row r of `cache` and returns `rows.length * vocabSize` next-token logits. */
  forward(rows: readonly (readonly number[])[], cache?: Cache): Promise<{ logits: Float32Array; cache: Cache }>;
  /** Row i of the result is row `rows[i]` of `cache` (rows may repeat). */
  selectRows(cache: Cache, rows: readonly number[]): Cache;
  /** Real tokens held by `row` of `cache`. */
  cachedLength(cache: Cache, row: number): number;
}

/** A model whose one-row caches can be cut to a prefix: what a prompt cache needs. */
export interface PrefixModel<Cache> extends StepModel<Cache> {
  /** The first `length` tokens of a one-row cache of a prompt's prefill. */
  cachePrefix(cache: Cache, length: number): Cache;
  /** Memory held by a cache, in bytes. */
  cacheBytes(cache: Cache): number;
}
