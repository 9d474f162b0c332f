import { join } from 'node:path';
import type { Engine } from '../src/engine/engine.js';
import { packageRoot } from '../src/engine/package-root.js';
import { plan, type PlanResult, type Strategy } from '../src/planning/plan.js';
import { loadProblems } from '../src/planning/problem.js';
import { fmt, median, type BenchRow } from './stats.js';

/** All strategies on every fixture problem with the same program budget; PG-TD also without its caches. */
export async function benchPlanning(engine: Engine, budget = 8): Promise<BenchRow[]> {
  const dir = join(packageRoot(), 'fixtures', 'problems');
  const problems = [...loadProblems(join(dir, 'typescript.jsonl')), ...loadProblems(join(dir, 'python.jsonl'))];
  const configs: { name: string; strategy: Strategy; caches?: boolean }[] = [
    { name: 'greedy (1 program)', strategy: 'greedy' },
    { name: `beam search (${budget} beams)`, strategy: 'beam' },
    { name: `sampling + filtering (${budget} samples, T = 0.8)`, strategy: 'sample' },
    { name: `PG-TD (${budget} programs)`, strategy: 'pgtd' },
    { name: `PG-TD without tree/sequence caches (${budget} programs)`, strategy: 'pgtd', caches: false },
  ];
  const results = new Map<string, PlanResult[]>();
  for (const c of configs) {
    const runs: PlanResult[] = [];
    for (const p of problems) runs.push(await plan(engine, p, { strategy: c.strategy, budget, seed: 1, caches: c.caches }));
    results.set(c.name, runs);
  }
  const rows: BenchRow[] = [];
  const greedy = results.get(configs[0]!.name)!;
  const mean = (xs: PlanResult[], f: (r: PlanResult) => number) => xs.reduce((s, r) => s + f(r), 0) / xs.length;
  for (const c of configs) {
    const runs = results.get(c.name)!;
    rows.push({
      metric: `${c.name}: hidden-test pass rate, mean over ${problems.length} problems (solved)`,
      value: `${fmt(100 * mean(runs, (r) => r.hiddenPassRate), 1)} % (${runs.filter((r) => r.hiddenPassRate === 1).length})`,
      baseline: c === configs[0] ? '' : `greedy ${fmt(100 * mean(greedy, (r) => r.hiddenPassRate), 1)} %`,
    });
    rows.push({
      metric: `${c.name}: forward passes per evaluated program; wall time per problem (median)`,
      value: `${fmt(mean(runs, (r) => r.stats.forwardPasses / Math.max(1, r.stats.programsEvaluated)), 0)}; ${fmt(median(runs.map((r) => r.stats.timeMs)) / 1000, 2)} s`,
    });
  }
  const perProgram = (name: string) => {
    const runs = results.get(name)!;
    return runs.reduce((s, r) => s + r.stats.forwardPasses, 0) / runs.reduce((s, r) => s + r.stats.programsEvaluated, 0);
  };
  const withCaches = perProgram(configs[3]!.name);
  const without = perProgram(configs[4]!.name);
  rows.push({
    metric: 'PG-TD forward passes per evaluated program, all problems pooled',
    value: `with caches ${fmt(withCaches, 0)}`,
    baseline: `without ${fmt(without, 0)}`,
    ratio: `${fmt(without / withCaches, 2)}× fewer (goal ≥ 2×)`,
  });
  return rows;
}
