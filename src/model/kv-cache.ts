/**
 * Key/value cache of a batch of sequences: per layer one key and one value block of shape
 * [batch, kvHeads, length, headDim] (row-major, float32), plus which columns of each row hold real tokens.
 *
 * Rows may have different numbers of real tokens: shorter rows are padded (mask 0), so `length` is the padded
 * width. A cache is immutable: `forward` returns a new one and `selectRows` copies.
 */
export class KvCache {
  constructor(
    readonly batch: number,
    readonly length: number,
    readonly kvHeads: number,
    readonly headDim: number,
    /** Per layer `[key, value]`, each `batch * kvHeads * length * headDim` floats. */
    readonly layers: ReadonlyArray<readonly [Float32Array, Float32Array]>,
    /** `batch * length` entries, 1 where the column holds a real token. */
    readonly mask: Uint8Array,
    /** Per row, the number of real tokens (= the next position id). */
    readonly positions: Int32Array,
  ) {}

  static empty(numLayers: number, batch: number, kvHeads: number, headDim: number): KvCache {
    const layers = Array.from({ length: numLayers }, () => [new Float32Array(0), new Float32Array(0)] as const);
    return new KvCache(batch, 0, kvHeads, headDim, layers, new Uint8Array(0), new Int32Array(batch));
  }

  /** Real tokens held for `row`. */
  rowLength(row: number): number {
    return this.positions[row]!;
  }

  /**
   * A cache whose row i is row `rows[i]` of this one (rows may repeat: beam search and tree search fork
   * sequences this way).
   */
  selectRows(rows: readonly number[]): KvCache {
    for (const r of rows) {
      if (!Number.isInteger(r) || r < 0 || r >= this.batch) throw new RangeError(`row ${r} out of range 0..${this.batch - 1}`);
    }
    const rowFloats = this.kvHeads * this.length * this.headDim;
    const pick = (src: Float32Array): Float32Array => {
      const out = new Float32Array(rows.length * rowFloats);
      rows.forEach((r, i) => out.set(src.subarray(r * rowFloats, (r + 1) * rowFloats), i * rowFloats));
      return out;
    };
    const layers = this.layers.map(([k, v]) => [pick(k), pick(v)] as const);
    const mask = new Uint8Array(rows.length * this.length);
    rows.forEach((r, i) => mask.set(this.mask.subarray(r * this.length, (r + 1) * this.length), i * this.length));
    const positions = Int32Array.from(rows, (r) => this.positions[r]!);
    return new KvCache(rows.length, this.length, this.kvHeads, this.headDim, layers, mask, positions);
  }

  /**
   * The first `length` tokens of a one-row cache without padding (a prompt's prefill): what a prompt cache keeps
   * of an earlier prompt that shares them.
   */
  prefix(length: number): KvCache {
    if (this.batch !== 1 || this.positions[0] !== this.length) throw new RangeError('only an unpadded one-row cache has a prefix');
    if (!Number.isInteger(length) || length < 0 || length > this.length) throw new RangeError(`prefix of ${length} tokens out of range 0..${this.length}`);
    const block = this.length * this.headDim;
    const cut = (src: Float32Array): Float32Array => {
      const out = new Float32Array(this.kvHeads * length * this.headDim);
      for (let h = 0; h < this.kvHeads; h++) out.set(src.subarray(h * block, h * block + length * this.headDim), h * length * this.headDim);
      return out;
    };
    const layers = this.layers.map(([k, v]) => [cut(k), cut(v)] as const);
    return new KvCache(1, length, this.kvHeads, this.headDim, layers, new Uint8Array(length).fill(1), Int32Array.of(length));
  }

  /** Bytes held by the key/value blocks. */
  get byteLength(): number {
    return this.layers.reduce((n, [k, v]) => n + k.byteLength + v.byteLength, 0);
  }
}
