import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from './errors.js';

/** What the runtime needs to know about a decoder, read from its `config.json` (HF / Optimum layout). */
export interface ModelSpec {
  readonly modelType: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  /** Context window in tokens. */
  readonly maxPositions: number;
  readonly tieWordEmbeddings: boolean;
  /** End-of-sequence ids from config.json and generation_config.json (union). */
  readonly eosTokenIds: readonly number[];
  /**
   * Whether the model's fill-in-the-middle serves an editor: `fim_usable` in generation_config.json (or
   * config.json) — a measured verdict (see `eval report`) — undefined when neither says.
   */
  readonly fimUsable: boolean | undefined;
}

type Json = Record<string, unknown>;

function readJson(path: string, what: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ModelError('missing-file', `${what} not found: ${path}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Json;
  } catch (e) {
    throw new ModelError('bad-config', `${what} is not a JSON object (${path}): ${(e as Error).message}`);
  }
}

function positiveInt(cfg: Json, keys: readonly string[], path: string): number {
  for (const key of keys) {
    const v = cfg[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ModelError('bad-config', `${path}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  }
  throw new ModelError('bad-config', `${path}: missing "${keys[0]}"`);
}

function idList(v: unknown): number[] {
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number' && Number.isInteger(x));
  return [];
}

/** Reads and validates `config.json` (and `generation_config.json` when present) of a model directory. */
export function readModelSpec(dir: string): ModelSpec {
  const path = join(dir, 'config.json');
  const cfg = readJson(path, 'model config');
  let gen: Json = {};
  try {
    gen = readJson(join(dir, 'generation_config.json'), 'generation config');
  } catch (e) {
    if ((e as ModelError).code !== 'missing-file') throw e;
  }
  const hiddenSize = positiveInt(cfg, ['hidden_size', 'n_embd', 'd_model'], path);
  const numAttentionHeads = positiveInt(cfg, ['num_attention_heads', 'n_head'], path);
  const numKeyValueHeads =
    cfg['num_key_value_heads'] == null ? numAttentionHeads : positiveInt(cfg, ['num_key_value_heads'], path);
  const headDim = cfg['head_dim'] == null ? hiddenSize / numAttentionHeads : positiveInt(cfg, ['head_dim'], path);
  if (!Number.isInteger(headDim)) {
    throw new ModelError('bad-config', `${path}: hidden_size ${hiddenSize} is not divisible by ${numAttentionHeads} heads`);
  }
  const eos = [...new Set([...idList(cfg['eos_token_id']), ...idList(gen['eos_token_id'])])];
  // generation_config.json (how to generate) is where a measured policy belongs; config.json is read too.
  const fimUsable = gen['fim_usable'] ?? cfg['fim_usable'];
  if (fimUsable !== undefined && typeof fimUsable !== 'boolean') throw new ModelError('bad-config', `${path}: "fim_usable" must be true or false, got ${JSON.stringify(fimUsable)}`);
  return {
    modelType: typeof cfg['model_type'] === 'string' ? (cfg['model_type'] as string) : 'unknown',
    vocabSize: positiveInt(cfg, ['vocab_size'], path),
    hiddenSize,
    numLayers: positiveInt(cfg, ['num_hidden_layers', 'n_layer', 'num_layers'], path),
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    intermediateSize:
      cfg['intermediate_size'] == null ? 4 * hiddenSize : positiveInt(cfg, ['intermediate_size'], path),
    maxPositions: positiveInt(cfg, ['max_position_embeddings', 'n_positions', 'max_sequence_length'], path),
    tieWordEmbeddings: cfg['tie_word_embeddings'] === true,
    eosTokenIds: eos,
    fimUsable,
  };
}

/**
 * Weights a Llama-style decoder reads to produce one token, in parameters: every layer's attention and MLP
 * projections, the norms, and the output projection (the embedding lookup reads one row only).
 */
export function weightsReadPerToken(spec: ModelSpec): number {
  const h = spec.hiddenSize;
  const q = spec.numAttentionHeads * spec.headDim;
  const kv = spec.numKeyValueHeads * spec.headDim;
  const attention = h * q + 2 * h * kv + q * h;
  const mlp = 3 * h * spec.intermediateSize;
  const norms = 2 * h;
  return spec.numLayers * (attention + mlp + norms) + h + spec.vocabSize * h;
}
