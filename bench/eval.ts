import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine.js';
import { packageRoot } from '../src/engine/package-root.js';
import { buildDataset } from '../src/eval/dataset.js';
import { parseConfigs, runEvaluation, type EvalRecord } from '../src/eval/run.js';
import { ServerPool } from '../src/lsp/pool.js';
import { fmt, type BenchRow } from './stats.js';

/**
 * `eval run --parallel N`: the line task on the TypeScript fixture (40 sites), one generation in flight vs N
 * with their decoding steps batched through the model; wall time per generation, and how many generations came
 * out the same as the sequential run's (batching pads rows: float sums may differ in the last bits).
 */
export async function benchEvalBatching(): Promise<BenchRow[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-bench-eval-'));
  const pool = new ServerPool({ idleMs: 0 });
  const engine = await Engine.load({ batching: true });
  try {
    const sites = (await buildDataset(join(packageRoot(), 'fixtures', 'ts-project'), pool, { task: 'line', maxSites: 40, seed: 1 })).sites;
    const datasetFile = join(tmp, 'lines.jsonl');
    writeFileSync(datasetFile, sites.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const rows: BenchRow[] = [];
    for (const config of ['greedy', 'greedy+mgd-all']) {
      const timed = async (parallel: number): Promise<{ ms: number; records: EvalRecord[] }> => {
        const started = performance.now();
        const records = await runEvaluation(engine, pool, sites, join(tmp, `${config}-${parallel}`), { configs: parseConfigs(config), samples: 1, datasetFile, parallel });
        return { ms: performance.now() - started, records };
      };
      await timed(1); // warm: the language server's project, the model's first steps
      rmSync(join(tmp, `${config}-1`), { recursive: true });
      const one = await timed(1);
      const same = (a: EvalRecord[], b: EvalRecord[]) => {
        const of = new Map(a.map((r) => [r.site, r.generation]));
        return b.filter((r) => of.get(r.site) === r.generation).length;
      };
      for (const parallel of [2, 4]) {
        const many = await timed(parallel);
        rows.push({
          metric: `${config}, ${sites.length} line sites: ms per generation, --parallel ${parallel}`,
          value: fmt(many.ms / sites.length, 0),
          baseline: `${fmt(one.ms / sites.length, 0)} (--parallel 1)`,
          ratio: `${fmt(one.ms / many.ms, 2)}× faster; ${same(one.records, many.records)}/${sites.length} generations identical`,
        });
      }
    }
    return rows;
  } finally {
    await Promise.all([pool.dispose(), engine.dispose()]);
    rmSync(tmp, { recursive: true, force: true });
  }
}
