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
    return this.columns(0, 0, length);
  }


  /**
   * One cache whose row i is `rows[i]` (each a one-row cache without padding), left-padded to the longest:
   * what batches the decoding steps of separate requests into one forward pass.
   */
  static stack(rows: readonly KvCache[]): KvCache {
    const first = rows[0];
    if (!first) throw new RangeError('stack needs at least one row');
    const { kvHeads, headDim } = first;
    for (const r of rows) {
      if (r.batch !== 1 || r.positions[0] !== r.length) throw new RangeError('only unpadded one-row caches can be stacked');
      if (r.kvHeads !== kvHeads || r.headDim !== headDim || r.layers.length !== first.layers.length) throw new RangeError('caches of different shapes');
    }
    const length = Math.max(...rows.map((r) => r.length));
    const rowFloats = kvHeads * length * headDim;
    const layers = first.layers.map((_, l) => {
      const pair = [new Float32Array(rows.length * rowFloats), new Float32Array(rows.length * rowFloats)] as const;
      rows.forEach((r, i) => {
        const pad = length - r.length;
        for (const part of [0, 1] as const) {
          const src = r.layers[l]![part];
          for (let h = 0; h < kvHeads; h++) {
            pair[part].set(src.subarray(h * r.length * headDim, (h + 1) * r.length * headDim), i * rowFloats + (h * length + pad) * headDim);
          }
        }
      });
      return pair;
    });
    const mask = new Uint8Array(rows.length * length);
    rows.forEach((r, i) => mask.fill(1, i * length + length - r.length, (i + 1) * length));
    return new KvCache(rows.length, length, kvHeads, headDim, layers, mask, Int32Array.from(rows, (r) => r.length));
  }

  /**
   * Row `row` as a one-row cache without padding (the inverse of `stack` after a step). Its real tokens must be
   * the last columns of the row, as left padding leaves them.
   */
  unpaddedRow(row: number): KvCache {
    if (!Number.isInteger(row) || row < 0 || row >= this.batch) throw new RangeError(`row ${row} out of range 0..${this.batch - 1}`);
    const real = this.positions[row]!;
    const start = this.length - real;
    for (let c = 0; c < this.length; c++) {
      if (this.mask[row * this.length + c] !== (c >= start ? 1 : 0)) throw new RangeError('the row has padding after its tokens');
    }
    return this.columns(row, start, real);
  }

  /** Columns `start … start + count` of `row`, all real tokens, as a one-row cache without padding. */
  private columns(row: number, start: number, count: number): KvCache {
    const rowFloats = this.kvHeads * this.length * this.headDim;
    const cut = (src: Float32Array): Float32Array => {
      const out = new Float32Array(this.kvHeads * count * this.headDim);
      for (let h = 0; h < this.kvHeads; h++) {
        const from = row * rowFloats + (h * this.length + start) * this.headDim;
        out.set(src.subarray(from, from + count * this.headDim), h * count * this.headDim);
      }
      return out;
    };
    const layers = this.layers.map(([k, v]) => [cut(k), cut(v)] as const);
    return new KvCache(1, count, this.kvHeads, this.headDim, layers, new Uint8Array(count).fill(1), Int32Array.of(count));
  }


  /** Bytes held by the key/value blocks. */
  get byteLength(): number {
    return this.layers.reduce((n, [k, v]) => n + k.byteLength + v.byteLength, 0);
  }
}
