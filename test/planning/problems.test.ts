import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { loadProblem, loadProblems } from '../../src/planning/problem.js';
import { limitConcurrency } from '../../src/sandbox/limit-concurrency.js';
import { runTests } from '../../src/sandbox/test-runner.js';

const dir = join(packageRoot(), 'fixtures', 'problems');
const problems = [...loadProblems(join(dir, 'typescript.jsonl')), ...loadProblems(join(dir, 'python.jsonl'))];

describe('fixture problems', () => {
  it('has at least 40 problems in TypeScript and Python, each with public and hidden tests', () => {
    expect(problems.length).toBeGreaterThanOrEqual(40);
    expect(problems.filter((p) => p.language === 'python').length).toBeGreaterThanOrEqual(15);
    expect(problems.filter((p) => p.language === 'typescript').length).toBeGreaterThanOrEqual(15);
    for (const p of problems) {
      expect(p.publicTests.length).toBeGreaterThan(0);
      expect(p.hiddenTests.length).toBeGreaterThan(0);
      expect(p.solution).toBeDefined();
    }
  });

  it('scores every reference solution 100% and a stub solution below it (sandboxed)', async () => {
    const slots = limitConcurrency(2);
    const results = await Promise.all(
      problems.map((p) =>
        slots(async () => {
          const tests = [...p.publicTests, ...p.hiddenTests];
          const good = await runTests({ language: p.language, code: p.prompt + p.solution, tests });
          const stubBody = p.language === 'python' ? '    pass\n' : '  return undefined as any;\n}\n';
          const stub = await runTests({ language: p.language, code: p.prompt + stubBody, tests });
          return { id: p.id, good: good.passRate, stub: stub.passRate, forgeable: good.forgeable };
        }),
      ),
    );
    for (const r of results) {
      expect({ id: r.id, good: r.good }).toEqual({ id: r.id, good: 1 });
      expect(r.stub).toBeLessThan(1);
    }
    // Every shipped test is judged outside the sandbox but one (`… == [98.6…] or abs(…) < 1e-9` compares inside).
    expect(results.filter((r) => r.forgeable > 0).map((r) => [r.id, r.forgeable])).toEqual([['py-celsius', 1]]);
  }, 300_000);

  it('rejects malformed problem files with the line, and finds problems by id', () => {
    expect(() => loadProblems(join(dir, 'nope.jsonl'))).toThrow(/cannot read problems file/);
    expect(loadProblem(`${join(dir, 'python.jsonl')}#py-median`).entryPoint).toBe('median');
    expect(() => loadProblem(join(dir, 'python.jsonl'))).toThrow(/holds 20 problems: name one/);
    expect(() => loadProblem(`${join(dir, 'python.jsonl')}#nope`)).toThrow(/no problem "nope"/);
  });
});
