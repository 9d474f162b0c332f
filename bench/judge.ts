import { join } from 'node:path';
import { packageRoot } from '../src/engine/package-root.js';
import { planPythonSnippets } from '../src/judge/snippets-python.js';
import type { SnippetPlan } from '../src/judge/plan.js';
import { loadProblems, type Problem } from '../src/planning/problem.js';
import { planTests, runPlannedTests } from '../src/sandbox/test-runner.js';
import { median, type BenchRow } from './stats.js';

const ROUNDS = 3;

/** Milliseconds per test run of each problem's reference program (all its tests), `ROUNDS` rounds. */
async function timeRuns(problems: readonly Problem[], plansOf: (p: Problem, tests: string[]) => Promise<SnippetPlan[]>): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of problems) {
      const tests = [...p.publicTests, ...p.hiddenTests];
      const plans = await plansOf(p, tests);
      const started = performance.now();
      const r = await runPlannedTests({ language: p.language, code: p.prompt + p.solution, tests }, plans);
      times.push(performance.now() - started);
      if (r.passRate !== 1) throw new Error(`${p.id}: the reference fails (${JSON.stringify(r.tests)})`);
    }
  }
  return times;
}

/**
 * What honest judging costs: a test run judged outside the sandbox (values reported, compared by the judge)
 * against the same tests judged inside it by their own assertions (the forgeable way), in the same run, on the
 * 40 reference programs; and the one-time planning of Python snippets (the host's `ast`).
 */
export async function benchJudge(): Promise<BenchRow[]> {
  const dir = join(packageRoot(), 'fixtures', 'problems');
  const rows: BenchRow[] = [];
  for (const [language, file] of [['typescript', 'typescript.jsonl'], ['python', 'python.jsonl']] as const) {
    const problems = loadProblems(join(dir, file));
    const judged = await timeRuns(problems, (p, tests) => planTests(p.language, tests));
    const inside = await timeRuns(problems, async (_p, tests) => tests.map((code) => ({ kind: 'forgeable', code, reason: 'bench' }) as const));
    const [a, b] = [median(judged), median(inside)];
    rows.push({
      metric: `${language}: one test run (a reference program, all its tests), median of ${judged.length}`,
      value: `judged outside ${a.toFixed(0)} ms`,
      baseline: `judged inside ${b.toFixed(0)} ms`,
      ratio: `${(a / b).toFixed(2)}×`,
    });
  }
  const python = loadProblems(join(dir, 'python.jsonl'));
  const planning: number[] = [];
  for (const p of python) {
    const started = performance.now();
    await planPythonSnippets([...p.publicTests, ...p.hiddenTests]); // the planner itself: no cache
    planning.push(performance.now() - started);
  }
  rows.push({ metric: 'python: planning a problem’s snippets (host ast, once per snippet, then cached), median of 20', value: `${median(planning).toFixed(0)} ms` });
  return rows;
}
