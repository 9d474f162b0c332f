import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { combineShards, ManifestError, manifestMismatch, readManifest, writeManifest, type RunManifest } from './manifest.js';
import { readRecords, type EvalRecord } from './run.js';

export interface MergeResult {
  readonly records: number;
  /** Shard count of the evaluation and the shards no input held (empty when the merge is whole). */
  readonly count: number;
  readonly missing: readonly number[];
}

/**
 * Combines results folders of shards of one evaluation into `out`: every input must have a run manifest that
 * agrees with the others (dataset, configurations, samples, temperature, limits, model, compilers) and hold
 * other shards; a (site, configuration, sample) found twice is refused. Records are written in a fixed order
 * (site, configuration as listed, sample), so the merge of a sharded run equals the single run's records.
 */
export function mergeResults(dirs: readonly string[], out: string): MergeResult {
  if (dirs.some((d) => resolve(d) === resolve(out))) throw new ManifestError(`--out ${out} is one of the folders to merge`);
  if (existsSync(out) && readdirSync(out).some((f) => f === 'results.jsonl' || f === 'run.json')) throw new ManifestError(`${out} already holds results: merge into a new folder`);
  let merged: RunManifest | undefined;
  let first = '';
  let count = 1;
  const records = new Map<string, { record: EvalRecord; from: string }>();
  for (const dir of dirs) {
    const manifest = readManifest(dir);
    if (!manifest) throw new ManifestError(`${dir} has no run.json: it was not written by \`eval run\` (or predates manifests)`);
    if (!merged) {
      merged = manifest;
      first = dir;
      count = manifest.shards?.count ?? 1;
    } else {
      const mismatch = manifestMismatch(merged, manifest, [first, dir]);
      if (mismatch) throw new ManifestError(`cannot merge: ${mismatch}`);
      const shards = combineShards(merged.shards, manifest.shards, [dirs.slice(0, dirs.indexOf(dir)).join(' + '), dir]);
      const { shards: _drop, ...rest } = merged;
      merged = { ...rest, ...(shards ? { shards } : {}), checkers: { ...merged.checkers, ...manifest.checkers } };
    }
    for (const record of readRecords(dir)) {
      const key = `${record.site}|${record.config}|${record.sample}`;
      const seen = records.get(key);
      if (seen) throw new ManifestError(`cannot merge: ${record.site} (${record.config} #${record.sample}) is in both ${seen.from} and ${dir}`);
      records.set(key, { record, from: dir });
    }
  }
  const manifest = merged!;
  const order = new Map(manifest.configs.map((c, i) => [c, i]));
  const sorted = [...records.values()]
    .map((r) => r.record)
    .sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0) || order.get(a.config)! - order.get(b.config)! || a.sample - b.sample);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.jsonl'), sorted.map((r) => JSON.stringify(r) + '\n').join(''));
  writeManifest(out, manifest);
  const missing = manifest.shards ? Array.from({ length: count }, (_, i) => i).filter((i) => !manifest.shards!.indices.includes(i)) : [];
  return { records: sorted.length, count, missing };
}
