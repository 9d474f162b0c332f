import { afterAll, describe, expect, it } from 'vitest';
import { completeInDocument } from '../../src/engine/document-completion.js';
import { lspAnalysis } from '../../src/engine/monitors.js';
import { Engine } from '../../src/engine/engine.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { MonitorSet } from '../../src/monitor/monitor-set.js';
import { monitorsOf } from '../../src/monitor/monitors.js';
import type { Analysis } from '../../src/monitor/types.js';
import { monitorVocab } from '../../src/monitor/vocab.js';
import { fixtureDocument } from '../helpers/fixtures.js';
import { frozenTsgo, loadingTsgo, stopProcess } from '../helpers/servers.js';

const engine = Engine.load();
const pools: ServerPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.dispose()));
  await (await engine).dispose();
});

/** Completes at `siteId` with the dereference monitor, through `analysis` built on a real pool. */
async function completeWith(siteId: string, makeAnalysis: (pool: ServerPool, doc: ReturnType<typeof fixtureDocument>) => Analysis) {
  const e = await engine;
  const doc = fixtureDocument(siteId);
  const pool = new ServerPool({ idleMs: 0 });
  pools.push(pool);
  await pool.warmUp(doc.workspace, doc.file, doc.text);
  let monitor: MonitorSet | undefined;
  const started = Date.now();
  const result = await e.complete(
    { prefix: doc.text.slice(0, doc.offset), path: doc.relative, maxTokens: 24, stopMode: 'statement' },
    (prompt) => [
      (monitor = new MonitorSet(
        { before: doc.text.slice(0, doc.offset), after: doc.text.slice(doc.offset), language: doc.language, healed: prompt.healed },
        makeAnalysis(pool, doc),
        monitorVocab(e.tokenizer),
        monitorsOf(['deref']),
      )),
    ],
  );
  return { result, report: await monitor!.report(result.completion), ms: Date.now() - started, pool, doc };
}

describe('degraded monitoring (real model, real servers)', () => {
  it('a language server killed mid-completion: the completion is still returned, marked degraded', async () => {
    const { result, report } = await completeWith('py-project/shop/service.py:38:21', (pool, doc) => {
      const real = lspAnalysis(pool, doc.workspace, doc.file);
      let killed = false;
      return {
        ...real,
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
    expect(report.triggers[0]!.reason).toMatch(/^(timeout|not-ready|error: )/);
  });

  it('a hung language server costs at most the budget per trigger', async () => {
    let stoppedPid: number | undefined;
    const { result, report } = await completeWith('ts-project/src/services/order-service.ts:37:14', (pool, doc) => {
      const real = lspAnalysis(pool, doc.workspace, doc.file);
      return {
        ...real,
        async members(before, after) {
          if (stoppedPid === undefined) {
            stoppedPid = pool.server(doc.workspace, 'typescript').pid!;
            await stopProcess(stoppedPid);
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
    // Each trigger gave up at its budget and cancelled its query: none waited for the request limit (10 s).
    expect(report.triggers.every((t) => t.latencyMs < 5_000)).toBe(true);
    process.kill(stoppedPid!, 'SIGKILL');
  });

  it('a server still loading its project: every trigger degrades at once (not-ready), the load goes on, no restart', async () => {
    const e = await engine;
    const doc = fixtureDocument('ts-project/src/services/order-service.ts:37:14');
    const pool = new ServerPool({ idleMs: 0, specs: { typescript: loadingTsgo({ 'load-ms': 6000, 'progress-ms': 300 }) }, requestTimeoutMs: 1000, readyTimeoutMs: 3000 });
    pools.push(pool);
    const result = await completeInDocument(e, pool, { workspace: doc.workspace, file: doc.file, text: doc.text, offset: doc.offset, maxTokens: 24, warmupMs: 500 });
    expect(result.monitor.ready).toBe(false);
    expect(result.monitor.triggers.length).toBeGreaterThan(0);
    expect(result.monitor.triggers.map((t) => t.reason)).toEqual(result.monitor.triggers.map(() => 'not-ready'));
    const server = pool.server(doc.workspace, 'typescript');
    expect(await server.whenReady(doc.file, doc.text)).toBe(true);
    expect(server.starts).toBe(1);
    // Now ready: the next completion is monitored.
    const again = await completeInDocument(e, pool, { workspace: doc.workspace, file: doc.file, text: doc.text, offset: doc.offset, maxTokens: 24 });
    expect(again.monitor.triggers[0]).toMatchObject({ degraded: false });
  });

  it('a server frozen while starting: the completion comes after the warm-up budget, and dispose stops the server', async () => {
    const e = await engine;
    const doc = fixtureDocument('ts-project/src/services/order-service.ts:37:14');
    const pool = new ServerPool({ idleMs: 0, specs: { typescript: frozenTsgo() } });
    const result = await completeInDocument(e, pool, { workspace: doc.workspace, file: doc.file, text: doc.text, offset: doc.offset, maxTokens: 24, warmupMs: 1000 });
    expect(result.completion.length).toBeGreaterThan(0);
    expect(result.monitor.ready).toBe(false);
    expect(result.monitor.triggers.map((t) => t.reason)).toEqual(result.monitor.triggers.map(() => 'not-ready'));
    const server = pool.server(doc.workspace, 'typescript');
    expect(server.starts).toBe(1);
    const pid = server.pid!;
    await pool.dispose();
    const gone = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        try {
          process.kill(pid, 0);
        } catch {
          clearInterval(poll);
          resolve(true);
        }
      }, 50);
    });
    expect(gone).toBe(true);
  });
});
