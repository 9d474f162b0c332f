import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { packageRoot } from '../../src/engine/package-root.js';
import { buildDataset, loadDataset, type DatasetSite } from '../../src/eval/dataset.js';
import { mergeResults } from '../../src/eval/merge.js';
import { writeReport } from '../../src/eval/report.js';
import { parseConfigs, readRecords, runEvaluation, type EvalRecord } from '../../src/eval/run.js';
import { readManifest } from '../../src/eval/manifest.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { runCli } from '../helpers/cli.js';
import { TS_PROJECT } from '../helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-scale-'));
const pool = new ServerPool({ idleMs: 0 });
let engine: Engine;
let sites: DatasetSite[];
const datasetFile = join(tmp, 'sites.jsonl');

beforeAll(async () => {
  engine = await Engine.load();
  // Line sites of the TypeScript fixture, and monitor sites of both fixtures (Python's CR is pyright's, batched).
  const line = (await buildDataset(TS_PROJECT, pool, { task: 'line', maxSites: 4, seed: 2 })).sites;
  const fixture = loadDataset(join(packageRoot(), 'fixtures', 'sites.jsonl'));
  sites = [...line, ...fixture.filter((s) => s.language === 'typescript' && s.kind === 'deref').slice(0, 2), ...fixture.filter((s) => s.language === 'python' && s.kind === 'call').slice(0, 1)];
  writeFileSync(datasetFile, sites.map((s) => JSON.stringify(s)).join('\n') + '\n');
}, 300_000);

afterAll(async () => {
  await pool.dispose();
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

/** A record without what depends on the machine's speed. */
const stable = ({ latencyMs: _latency, ...rest }: EvalRecord) => rest;
const byKey = (records: EvalRecord[]) => new Map(records.map((r) => [`${r.site}|${r.config}|${r.sample}`, stable(r)]));

describe('evaluation at scale (real model)', () => {
  it('N shards + merge give exactly the records of a single run', async () => {
    const configs = parseConfigs('greedy,sample');
    const options = { configs, samples: 2, maxTokens: 24, datasetFile };
    const single = await runEvaluation(engine, pool, sites, join(tmp, 'single'), options);
    expect(single).toHaveLength(sites.length * 3);
    const shardDirs = [0, 1, 2].map((index) => join(tmp, `shard-${index}`));
    let total = 0;
    for (const [index, dir] of shardDirs.entries()) total += (await runEvaluation(engine, pool, sites, dir, { ...options, shard: { index, count: 3 } })).length;
    expect(total).toBe(single.length);
    expect(mergeResults(shardDirs, join(tmp, 'merged'))).toEqual({ records: single.length, count: 3, missing: [] });
    const merged = readRecords(join(tmp, 'merged'));
    expect(byKey(merged)).toEqual(byKey(single));
    const { shards: _shards, ...whole } = readManifest(join(tmp, 'shard-0'))!;
    expect(readManifest(join(tmp, 'merged'))).toEqual(readManifest(join(tmp, 'single')));
    expect(readManifest(join(tmp, 'merged'))).toEqual(whole);

    // The line sites are scored by exact match and edit similarity of the first line, beside the method sites.
    const line = single.filter((r) => r.kind === 'line');
    expect(line.length).toBe(12);
    for (const r of line) {
      expect(r.generation).not.toContain('\n');
      expect(r.es).toBeGreaterThanOrEqual(0);
      expect(r.em === 0 || r.em === 1).toBe(true);
      expect(r.at).toMatch(/^src\/.+\.ts:\d+:\d+$/);
    }
    const { markdown } = writeReport(join(tmp, 'single'), single, readManifest(join(tmp, 'single')));
    expect(markdown).toMatch(/## monitor sites[\s\S]*\| configuration \| sites \(all n samples \/ any\) \| n \| CR@1 \| NIM@1 \| ISM@1 \| PM@1 \|/);
    expect(markdown).toMatch(/## line completion[\s\S]*\| EM@1 \| ES@1 \| CR@1 \|/);
    expect(markdown).toMatch(/CR judged by: .*fixtures\/ts-project — TypeScript 7\.\d+\.\d+ \(the repository's own: \.\.\/\.\.\/package\.json, native tsc --lsp\).*fixtures\/py-project — pyright /);

    // A rerun into a folder made with other settings is refused, not mixed in.
    await expect(runEvaluation(engine, pool, sites, join(tmp, 'single'), { ...options, samples: 3 })).rejects.toThrow(/differ in samples: 2 vs 3; use another --out folder/);
    await expect(runEvaluation(engine, pool, sites, join(tmp, 'shard-1'), { ...options, shard: { index: 0, count: 3 } })).rejects.toThrow(/shard 1\/3, this run is shard 0\/3/);
  }, 600_000);

  it('eval run and merge on the command line: bad shards are usage errors, progress lines go to a log', async () => {
    const bad = await runCli(['eval', 'run', '--dataset', datasetFile, '--out', join(tmp, 'cli'), '--shard', '3/3'], undefined, 240_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard must be i\/N with 0 ≤ i < N/);
    const run = await runCli(['eval', 'run', '--dataset', datasetFile, '--out', join(tmp, 'cli'), '--shard', '0/3', '--configs', 'greedy'], undefined, 240_000);
    expect(run.code, run.stderr).toBe(0);
    // Not a terminal: a progress line every 5 %, ending at 100 %.
    expect(run.stderr).toMatch(/eval run: 3\/3 \(100%\) ETA/);
    const merge = await runCli(['eval', 'merge', '--out', join(tmp, 'cli-merged'), join(tmp, 'cli'), join(tmp, 'shard-1')], undefined, 240_000);
    expect(merge.code).toBe(1);
    expect(merge.stderr).toMatch(/differ in configurations: greedy vs greedy,sample/);
  }, 300_000);
});
