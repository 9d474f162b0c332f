import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { packageRoot } from '../../src/engine/package-root.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { plan } from '../../src/planning/plan.js';
import { loadProblem } from '../../src/planning/problem.js';

const workspace = mkdtempSync(join(tmpdir(), 'lsp-codegen-plan-ws-'));
const pool = new ServerPool({ idleMs: 0 });
const engine = Engine.load();
afterAll(async () => {
  await pool.dispose();
  await (await engine).dispose();
  rmSync(workspace, { recursive: true, force: true });
});

describe('planning with the monitors (real model, real servers)', () => {
  it.each(['typescript.jsonl#ts-reverse-string', 'python.jsonl#py-title-case'])('keeps every member the planner writes type-valid: %s', async (spec) => {
    const problem = loadProblem(join(packageRoot(), 'fixtures', 'problems', spec));
    const result = await plan(await engine, problem, { strategy: 'pgtd', budget: 3, monitor: { pool, workspace, budgetMs: 3000 } });
    const report = result.stats.monitor!;
    expect(report).toBeDefined();
    const live = report.triggers.filter((t) => !t.degraded && t.monitor === 'deref');
    expect(live.length).toBeGreaterThan(0);
    for (const t of live) {
      const answer = await pool.members(workspace, { file: join(workspace, problem.path), text: result.program, offset: t.offset + 1 });
      expect(answer.members.map((m) => m.name)).toContain(t.chosen);
    }
  });
});
