import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lspOracle } from '../../src/engine/document-completion.js';
import { Engine } from '../../src/engine/engine.js';
import { packageRoot } from '../../src/engine/package-root.js';
import { loadSites, siteDocument } from '../../src/eval/sites.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { DereferenceMonitor } from '../../src/monitor/dereference-monitor.js';
import type { MemberOracle } from '../../src/monitor/types.js';
import { monitorVocab } from '../../src/monitor/vocab.js';

const FIXTURES = join(packageRoot(), 'fixtures');
const sites = loadSites(join(FIXTURES, 'sites.json'));
const engine = Engine.load();
const pools: ServerPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.dispose()));
  await (await engine).dispose();
});

/** Completes at `siteId` with the monitor, through `oracle` built on a real pool. */
async function completeWith(siteId: string, makeOracle: (pool: ServerPool, doc: ReturnType<typeof siteDocument>) => MemberOracle) {
  const e = await engine;
  const site = sites.find((s) => s.id === siteId)!;
  const doc = siteDocument(site, FIXTURES);
  const pool = new ServerPool({ idleMs: 0 });
  pools.push(pool);
  await pool.warmUp(doc.workspace, doc.file, doc.text);
  let monitor: DereferenceMonitor | undefined;
  const started = Date.now();
  const result = await e.complete(
    { prefix: doc.text.slice(0, doc.offset), path: site.file, maxTokens: 24, stopMode: 'statement' },
    (prompt) => [
      (monitor = new DereferenceMonitor(
        { before: doc.text.slice(0, doc.offset), after: doc.text.slice(doc.offset), language: site.language, healed: prompt.healed },
        makeOracle(pool, doc),
        monitorVocab(e.tokenizer),
      )),
    ],
  );
  return { result, report: await monitor!.report(result.completion), ms: Date.now() - started, pool, doc };
}

describe('degraded monitoring (real model, real servers)', () => {
  it('a language server killed mid-completion: the completion is still returned, marked degraded', async () => {
    const { result, report, ms } = await completeWith('py-project/shop/service.py:38:21', (pool, doc) => {
      const real = lspOracle(pool, doc.workspace, doc.file);
      let killed = false;
      return {
        members(before, after) {
          if (!killed) {
            killed = true;
            process.kill(pool.server(doc.workspace, 'python').pid!, 'SIGKILL');
          }
          return real.members(before, after);
        },
      };
    });
    expect(result.completion.length).toBeGreaterThan(0);
    expect(report.triggers[0]).toMatchObject({ degraded: true });
    expect(report.triggers[0]!.reason).toMatch(/^(timeout|error: )/);
    expect(ms).toBeLessThan(15_000);
  });

  it('a hung language server costs at most the budget per trigger', async () => {
    let stoppedPid: number | undefined;
    const { result, report, ms } = await completeWith('ts-project/src/services/order-service.ts:37:14', (pool, doc) => {
      const real = lspOracle(pool, doc.workspace, doc.file);
      return {
        members(before, after) {
          if (stoppedPid === undefined) {
            stoppedPid = pool.server(doc.workspace, 'typescript').pid!;
            process.kill(stoppedPid, 'SIGSTOP');
          }
          return real.members(before, after);
        },
      };
    });
    expect(result.completion.length).toBeGreaterThan(0);
    // Nothing a hung server "answers" constrains the text: every trigger is degraded, the first by the budget.
    expect(report.triggers.length).toBeGreaterThan(0);
    expect(report.triggers.map((t) => t.degraded)).toEqual(report.triggers.map(() => true));
    expect(report.triggers[0]!.reason).toBe('timeout');
    expect(ms).toBeLessThan(5_000);
    process.kill(stoppedPid!, 'SIGKILL');
  });
});
