import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelSpec, type ModelSpec } from './config.js';
import { ModelError } from './errors.js';
import { KvCache } from './kv-cache.js';
import type { PrefixModel } from '../decode/step-model.js';

/** ONNX Runtime session settings. */
export interface SessionOptions {
  /** Threads used inside one operator (default: ONNX Runtime's choice, one per core). */
  intraOpThreads?: number;
  /** Threads used across operators (default 1: the graph is sequential). */
  interOpThreads?: number;
}

/** Options of one forward call. */
export interface ForwardOptions {
  /** Longest piece of a prompt fed to the model at once (bounds the logits buffer of a long prefill). Default 512. */
  prefillChunk?: number;
}

export interface ForwardResult {
  /** Next-token logits of each row, `batch * vocabSize` floats (row r at `r * vocabSize`). */
  readonly logits: Float32Array;
  readonly cache: KvCache;
}

const PAD_ID = 0n;

/**
 * A decoder-only language model exported in the transformers.js / Optimum layout (`config.json`,
 * `onnx/model.onnx` with inputs `input_ids`, `attention_mask`, optional `position_ids`,
 * `past_key_values.N.key/value` and outputs `logits`, `present.N.key/value`).
 *
 * The only module of the project that knows ONNX Runtime.
 */
export class CausalLM implements PrefixModel<KvCache> {
  private constructor(
    readonly dir: string,
    readonly spec: ModelSpec,
    private readonly session: ort.InferenceSession,
    private readonly hasPositionIds: boolean,
  ) {}

  /** Loads and checks a model directory. Throws `ModelError` with a user-facing message when it is unusable. */
  static async load(dir: string, options: SessionOptions = {}): Promise<CausalLM> {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new ModelError('missing-directory', `model directory not found: ${dir}`);
    }
    const spec = readModelSpec(dir);
    const onnxPath = join(dir, 'onnx', 'model.onnx');
    if (!existsSync(onnxPath)) throw new ModelError('missing-file', `ONNX graph not found: ${onnxPath}`);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(onnxPath, {
        intraOpNumThreads: options.intraOpThreads ?? 0,
        interOpNumThreads: options.interOpThreads ?? 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        // Idle worker threads sleep instead of spinning: between steps the engine waits for language servers
        // (and the service for requests), and spinning threads would take both cores from them.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
    } catch (e) {
      throw new ModelError('bad-onnx', `cannot load ONNX graph ${onnxPath}: ${firstLine((e as Error).message)}`);
    }
    const hasPositionIds = checkSession(session, spec, onnxPath);
    return new CausalLM(dir, spec, session, hasPositionIds);
  }

  get vocabSize(): number {
    return this.spec.vocabSize;
  }

  get maxPositions(): number {
    return this.spec.maxPositions;
  }

  selectRows(cache: KvCache, rows: readonly number[]): KvCache {
    return cache.selectRows(rows);
  }

  cachedLength(cache: KvCache, row: number): number {
    return cache.rowLength(row);
  }

  cachePrefix(cache: KvCache, length: number): KvCache {
    return cache.prefix(length);
  }

  cacheBytes(cache: KvCache): number {
    return cache.byteLength;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  emptyCache(batch = 1): KvCache {
    return KvCache.empty(this.spec.numLayers, batch, this.spec.numKeyValueHeads, this.spec.headDim);
  }

  /**
   * Appends `rows[r]` to row r of `cache` (a fresh cache when omitted) and returns each row's next-token logits.
   * Rows may differ in length: shorter ones are left-padded and masked, so a batch gives the same logits as its
   * rows run one by one. Long inputs are fed in chunks of `prefillChunk` tokens through the cache.
   */
  async forward(rows: readonly (readonly number[])[], cache?: KvCache, options: ForwardOptions = {}): Promise<ForwardResult> {
    const batch = rows.length;
    if (batch === 0) throw new RangeError('forward needs at least one row');
    let kv = cache ?? this.emptyCache(batch);
    if (kv.batch !== batch) throw new RangeError(`cache holds ${kv.batch} rows, got ${batch}`);
    const width = Math.max(...rows.map((r) => r.length));
    for (let r = 0; r < batch; r++) {
      if (rows[r]!.length === 0) throw new RangeError(`row ${r} has no tokens`);
      const needed = kv.rowLength(r) + rows[r]!.length;
      if (needed > this.spec.maxPositions) {
        throw new ModelError(
          'context-overflow',
          `sequence of ${needed} tokens exceeds the model's context window of ${this.spec.maxPositions}`,
        );
      }
    }
    // Left-pad every row to `width`; padding is masked and does not advance positions.
    const ids = new BigInt64Array(batch * width).fill(PAD_ID);
    const real = new Uint8Array(batch * width);
    for (let r = 0; r < batch; r++) {
      const row = rows[r]!;
      const offset = r * width + width - row.length;
      for (let i = 0; i < row.length; i++) {
        const id = row[i]!;
        if (!Number.isInteger(id) || id < 0 || id >= this.spec.vocabSize) {
          throw new RangeError(`token id ${id} outside the vocabulary of ${this.spec.vocabSize}`);
        }
        ids[offset + i] = BigInt(id);
        real[offset + i] = 1;
      }
    }
    const chunk = Math.max(1, options.prefillChunk ?? 512);
    let logits: Float32Array | undefined;
    for (let start = 0; start < width; start += chunk) {
      const end = Math.min(width, start + chunk);
      const step = await this.runChunk(kv, ids, real, width, start, end);
      kv = step.cache;
      logits = step.logits;
    }
    return { logits: logits!, cache: kv };
  }

  private async runChunk(
    kv: KvCache,
    ids: BigInt64Array,
    real: Uint8Array,
    width: number,
    start: number,
    end: number,
  ): Promise<ForwardResult> {
    const { batch } = kv;
    const seq = end - start;
    const total = kv.length + seq;
    const inputIds = new BigInt64Array(batch * seq);
    const attention = new BigInt64Array(batch * total);
    const mask = new Uint8Array(batch * total);
    const positionIds = new BigInt64Array(batch * seq);
    const positions = Int32Array.from(kv.positions);
    for (let r = 0; r < batch; r++) {
      mask.set(kv.mask.subarray(r * kv.length, (r + 1) * kv.length), r * total);
      for (let i = 0; i < seq; i++) {
        const src = r * width + start + i;
        inputIds[r * seq + i] = ids[src]!;
        const isReal = real[src]!;
        mask[r * total + kv.length + i] = isReal;
        positionIds[r * seq + i] = BigInt(Math.max(0, isReal ? positions[r]! : positions[r]! - 1));
        positions[r]! += isReal;
      }
    }
    for (let i = 0; i < mask.length; i++) attention[i] = BigInt(mask[i]!);
    const { numLayers, numKeyValueHeads: heads, headDim, vocabSize } = this.spec;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [batch, seq]),
      attention_mask: new ort.Tensor('int64', attention, [batch, total]),
    };
    if (this.hasPositionIds) feeds['position_ids'] = new ort.Tensor('int64', positionIds, [batch, seq]);
    for (let l = 0; l < numLayers; l++) {
      const [k, v] = kv.layers[l]!;
      feeds[`past_key_values.${l}.key`] = new ort.Tensor('float32', k, [batch, heads, kv.length, headDim]);
      feeds[`past_key_values.${l}.value`] = new ort.Tensor('float32', v, [batch, heads, kv.length, headDim]);
    }
    const out = await this.session.run(feeds);
    const all = out['logits']!.data as Float32Array;
    const logits = new Float32Array(batch * vocabSize);
    for (let r = 0; r < batch; r++) {
      const last = (r * seq + seq - 1) * vocabSize;
      logits.set(all.subarray(last, last + vocabSize), r * vocabSize);
    }
    const layers = Array.from(
      { length: numLayers },
      (_, l) => [out[`present.${l}.key`]!.data as Float32Array, out[`present.${l}.value`]!.data as Float32Array] as const,
    );
    return { logits, cache: new KvCache(batch, total, heads, headDim, layers, mask, positions) };
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

/** Checks the graph's inputs and outputs against config.json; returns whether `position_ids` is an input. */
function checkSession(session: ort.InferenceSession, spec: ModelSpec, path: string): boolean {
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Set(session.outputNames);
  const mismatch = (what: string) => new ModelError('config-mismatch', `${path} does not match config.json: ${what}`);
  for (const name of ['input_ids', 'attention_mask']) {
    if (!inputs.has(name)) throw mismatch(`the graph has no "${name}" input`);
  }
  if (!outputs.has('logits')) throw mismatch('the graph has no "logits" output');
  const pastLayers = [...inputs.keys()].filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
  if (pastLayers !== spec.numLayers) {
    throw mismatch(`config.json says ${spec.numLayers} layers, the graph has ${pastLayers} past_key_values inputs`);
  }
  for (let l = 0; l < spec.numLayers; l++) {
    for (const part of ['key', 'value']) {
      const name = `past_key_values.${l}.${part}`;
      const meta = inputs.get(name);
      if (!meta) throw mismatch(`missing input ${name}`);
      if (!outputs.has(`present.${l}.${part}`)) throw mismatch(`missing output present.${l}.${part}`);
      if (meta.isTensor) {
        if (meta.type !== 'float32') {
          throw mismatch(`${name} is ${meta.type}; only float32 key/value caches are supported`);
        }
        const [, heads, , dim] = meta.shape;
        if (typeof heads === 'number' && heads !== spec.numKeyValueHeads) {
          throw mismatch(`config.json says ${spec.numKeyValueHeads} key/value heads, ${name} has ${heads}`);
        }
        if (typeof dim === 'number' && dim !== spec.headDim) {
          throw mismatch(`config.json says head size ${spec.headDim}, ${name} has ${dim}`);
        }
      }
    }
  }
  const logitsMeta = session.outputMetadata.find((m) => m.name === 'logits');
  if (logitsMeta?.isTensor) {
    const vocab = logitsMeta.shape[2];
    if (typeof vocab === 'number' && vocab !== spec.vocabSize) {
      throw mismatch(`config.json says vocab_size ${spec.vocabSize}, logits have ${vocab}`);
    }
  }
  return inputs.has('position_ids');
}
