import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A deterministic slice of a dataset: the sites whose index (in dataset order) is `index` modulo `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `i/N` (0 ≤ i < N; `JOB_COMPLETION_INDEX/N` of a Kubernetes Indexed Job). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 100_000 || index >= count) throw new RangeError(`--shard must be i/N with 0 ≤ i < N (e.g. 0/4), got "${text}"`);
  return { index, count };
}

/** The items of `shard` (all of them without one), in their order. */
export function shardOf<T>(items: readonly T[], shard: Shard | undefined): T[] {
  return shard ? items.filter((_, i) => i % shard.count === shard.index) : [...items];
}

/**
 * What a results folder was made with (`DIR/run.json`): two folders can be merged or compared only when these
 * agree. `shards` lists which slices of the dataset the folder holds (absent: all of it).
 */
export interface RunManifest {
  readonly dataset: { readonly sha256: string; readonly sites: number };
  readonly configs: readonly string[];
  readonly samples: number;
  readonly temperature: number;
  readonly maxTokens: number | null;
  readonly budgetMs: number | null;
  /** The model: its folder's name and a hash of its config and weights. */
  readonly model: { readonly name: string; readonly sha256: string };
  readonly shards?: { readonly count: number; readonly indices: readonly number[] };
  /** Which compiler judged CR, per repository (its path relative to the dataset's folder). */
  readonly checkers: Readonly<Record<string, string>>;
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

const MANIFEST = 'run.json';

export function readManifest(dir: string): RunManifest | undefined {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as RunManifest;
    if (typeof value?.dataset?.sha256 !== 'string' || !Array.isArray(value.configs) || typeof value.model?.sha256 !== 'string') throw new Error('missing fields');
    return { ...value, checkers: value.checkers ?? {} };
  } catch (e) {
    throw new ManifestError(`${file} is not a run manifest (${(e as Error).message}); fix or remove it`);
  }
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

/** The fields that must agree for two folders to hold parts of one evaluation, with their values as text. */
function identity(m: RunManifest): [string, string][] {
  return [
    ['dataset', `${m.dataset.sha256.slice(0, 12)} (${m.dataset.sites} sites)`],
    ['configurations', m.configs.join(',')],
    ['samples', String(m.samples)],
    ['temperature', String(m.temperature)],
    ['max tokens', String(m.maxTokens ?? 'default')],
    ['budget', String(m.budgetMs ?? 'default')],
    ['model', `${m.model.name} ${m.model.sha256.slice(0, 12)}`],
  ];
}

/** Why `a` and `b` are not parts of one evaluation (`what` names them), or undefined when they are. */
export function manifestMismatch(a: RunManifest, b: RunManifest, what: [string, string]): string | undefined {
  const ia = identity(a);
  const ib = new Map(identity(b));
  for (const [field, value] of ia) {
    if (ib.get(field) !== value) return `${what[0]} and ${what[1]} differ in ${field}: ${value} vs ${ib.get(field)}`;
  }
  for (const [repo, checker] of Object.entries(a.checkers)) {
    const other = b.checkers[repo];
    if (other !== undefined && other !== checker) return `${what[0]} and ${what[1]} judged ${repo} with different compilers: ${checker} vs ${other}`;
  }
  return undefined;
}

/** The shards two folders hold together; refuses overlapping or differently cut ones. */
export function combineShards(a: RunManifest['shards'], b: RunManifest['shards'], what: [string, string]): RunManifest['shards'] {
  if (!a || !b) throw new ManifestError(`${!a ? what[0] : what[1]} holds the whole dataset already: nothing to merge it with`);
  if (a.count !== b.count) throw new ManifestError(`${what[0]} and ${what[1]} cut the dataset differently (${a.count} vs ${b.count} shards)`);
  const both = a.indices.filter((i) => b.indices.includes(i));
  if (both.length) throw new ManifestError(`${what[0]} and ${what[1]} both hold shard ${both.join(', ')} of ${a.count}`);
  const indices = [...a.indices, ...b.indices].sort((x, y) => x - y);
  return indices.length === a.count ? undefined : { count: a.count, indices };
}

/** A model as manifests name it: its folder's name and a hash of its config, tokenizer and weights. */
export async function modelIdentity(dir: string): Promise<{ name: string; sha256: string }> {
  return { name: basename(dir), sha256: await sha256Files([join(dir, 'config.json'), join(dir, 'tokenizer.json'), join(dir, 'onnx', 'model.onnx')]) };
}

/** SHA-256 of files, in order, streamed (a model's weights are large). */
export async function sha256Files(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const f of files) {
    await new Promise<void>((resolve, reject) => {
      createReadStream(f)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', resolve)
        .on('error', reject);
    });
  }
  return hash.digest('hex');
}
