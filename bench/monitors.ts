import { join } from 'node:path';
import { completeInDocument, type DocumentCompletionResult } from '../src/engine/document-completion.js';
import type { Engine } from '../src/engine/engine.js';
import { packageRoot } from '../src/engine/package-root.js';
import { loadDataset, type DatasetSite } from '../src/eval/dataset.js';
import { siteDocument } from '../src/eval/sites.js';
import { ServerPool } from '../src/lsp/pool.js';
import { MONITOR_KINDS, type MonitorKind } from '../src/monitor/types.js';
import { fmt, median, percentile, type BenchRow } from './stats.js';

/** Sites per kind and language (the fixture sites of the evaluation builder). */
const PER_KIND = 10;

interface Run {
  readonly site: DatasetSite;
  readonly ms: number;
  readonly result: DocumentCompletionResult;
}

/**
 * Every monitor on the fixture sites of every kind: how often each fires and how long its questions take,
 * and the end-to-end cost of all monitors against none (same model, same sites, same run; runs interleaved
 * site by site so drift of a shared machine falls on both).
 */
export async function benchMonitors(engine: Engine): Promise<BenchRow[]> {
  const all = loadDataset(join(packageRoot(), 'fixtures', 'sites.jsonl'));
  const sites = (['typescript', 'python'] as const).flatMap((language) =>
    MONITOR_KINDS.flatMap((kind) => all.filter((s) => s.language === language && s.kind === kind).slice(0, PER_KIND)),
  );
  const pool = new ServerPool({ idleMs: 0 });
  const complete = async (site: DatasetSite, monitors: readonly MonitorKind[]): Promise<Run> => {
    const doc = siteDocument(site);
    const stopMode = site.kind === 'keys' || site.kind === 'new' || site.kind === 'deref' ? ('statement' as const) : ('line' as const);
    const t = performance.now();
    const result = await completeInDocument(engine, pool, { ...doc, fim: false, maxTokens: 32, stopMode, monitor: monitors.length > 0, monitors });
    return { site, ms: performance.now() - t, result };
  };
  try {
    for (const site of sites) await complete(site, MONITOR_KINDS); // warm: servers loaded, files open, model caches hot
    const none: Run[] = [];
    const every: Run[] = [];
    for (const site of sites) {
      none.push(await complete(site, []));
      every.push(await complete(site, MONITOR_KINDS));
    }
    const rows: BenchRow[] = [];
    for (const language of ['typescript', 'python'] as const) {
      const pick = (runs: Run[]) => runs.filter((r) => r.site.language === language);
      const [m, f] = [pick(every), pick(none)];
      const total = (runs: Run[]) => runs.reduce((n, r) => n + r.ms, 0);
      const tokens = (runs: Run[]) => runs.reduce((n, r) => n + Math.max(1, r.result.tokens), 0);
      const goal = language === 'typescript' ? 1.15 : 1.25;
      rows.push({
        metric: `${language}: time per generated token, ${m.length} sites of every kind (32 tokens max)`,
        value: `all monitors ${fmt(total(m) / tokens(m), 1)} ms`,
        baseline: `none ${fmt(total(f) / tokens(f), 1)} ms`,
        ratio: `${fmt(total(m) / tokens(m) / (total(f) / tokens(f)), 2)}× (goal ≤ ${goal})`,
      });
      rows.push({
        metric: `${language}: wall time per completion, mean`,
        value: `all monitors ${fmt(total(m) / m.length, 0)} ms`,
        baseline: `none ${fmt(total(f) / f.length, 0)} ms`,
        ratio: `${fmt(total(m) / total(f), 2)}×`,
      });
      for (const kind of MONITOR_KINDS) {
        const triggers = m.flatMap((r) => r.result.monitor.triggers.filter((t) => t.monitor === kind));
        const queries = m.reduce((n, r) => n + (r.result.monitor.queries?.[kind] ?? 0), 0);
        if (queries === 0 && triggers.length === 0) continue;
        const latencies = triggers.filter((t) => t.latencyMs > 0.5).map((t) => t.latencyMs); // answers shared with another monitor cost nothing
        rows.push({
          metric: `${language} / ${kind}: questions per completion; triggers on the final text (degraded, vetoes); answer time median / p90`,
          value:
            `${fmt(queries / m.length, 2)} per completion; ${triggers.length} triggers (${triggers.filter((t) => t.degraded).length} degraded, ` +
            `${triggers.reduce((n, t) => n + (t.vetoes ?? 0), 0)} vetoes); ` +
            (latencies.length ? `${fmt(median(latencies), 1)} / ${fmt(percentile(latencies, 90), 1)} ms` : 'no own query'),
        });
      }
    }
    return rows;
  } finally {
    await pool.dispose();
  }
}
