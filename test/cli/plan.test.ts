import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { runCli } from '../helpers/cli.js';

const problems = join(packageRoot(), 'fixtures', 'problems');
const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-plan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('lsp-codegen run-tests', () => {
  it('scores a correct body 100% and a wrong one below, as JSON', async () => {
    writeFileSync(join(tmp, 'good.py'), '    return sorted(a.lower()) == sorted(b.lower())\n');
    writeFileSync(join(tmp, 'bad.py'), '    return a == b\n');
    const good = await runCli(['run-tests', '--problem', `${problems}/python.jsonl#py-is-anagram`, '--solution', join(tmp, 'good.py'), '--body', '--json']);
    expect(good.code).toBe(0);
    const out = JSON.parse(good.stdout);
    expect(out.public.passed).toBe(out.public.total);
    expect(out.hidden.passed).toBe(out.hidden.total);
    const bad = await runCli(['run-tests', '--problem', `${problems}/python.jsonl#py-is-anagram`, '--solution', join(tmp, 'bad.py'), '--body']);
    expect(bad.code).toBe(0);
    expect(bad.stdout).toMatch(/public: 1\/2 passed/);
    expect(bad.stdout).toMatch(/#1 fail/);
  });

  it('takes a whole program too, and reports one that does not compile', async () => {
    writeFileSync(join(tmp, 'whole.ts'), 'export function gcd(a: number, b: number): number { return b === 0 ? a : gcd(b, a % b); }\n');
    const r = await runCli(['run-tests', '--problem', `${problems}/typescript.jsonl#ts-gcd`, '--solution', join(tmp, 'whole.ts')]);
    expect(r.stdout).toMatch(/public: 2\/2 passed/);
    writeFileSync(join(tmp, 'broken.ts'), 'export function gcd(a: number { return');
    const broken = await runCli(['run-tests', '--problem', `${problems}/typescript.jsonl#ts-gcd`, '--solution', join(tmp, 'broken.ts')]);
    expect(broken.stdout).toMatch(/public: 0\/2 passed \(does not load: syntax error/);
  });

  it('missing files and unknown ids are clear errors', async () => {
    const r = await runCli(['run-tests', '--problem', `${problems}/python.jsonl#nope`, '--solution', join(tmp, 'good.py')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no problem "nope"/);
    expect((await runCli(['run-tests', '--problem', `${problems}/python.jsonl#py-median`])).code).toBe(2);
  });

  it('bounds time flags: 2^31 ms or more is a usage error, the largest timer value still works', async () => {
    writeFileSync(join(tmp, 'median.py'), '    s = sorted(xs)\n    n = len(s)\n    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2\n');
    const at = ['--workspace', tmp, '--at', 'median.py:1:1'];
    for (const args of [
      ['run-tests', '--timeout', '2147483648', '--problem', `${problems}/python.jsonl#py-median`, '--solution', join(tmp, 'median.py')],
      ['plan', '--time-limit', '1e12', '--problems', `${problems}/python.jsonl`],
      ['members', '--timeout', '99999999999', ...at],
      ['complete', '--budget-ms', '2147483648', ...at],
      ['eval', 'run', '--budget-ms', '4294967296', '--dataset', join(tmp, 'd.jsonl'), '--out', tmp],
    ]) {
      const r = await runCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/must be an integer between \d+ and 2147483647/);
    }
    const ok = await runCli(['run-tests', '--problem', `${problems}/python.jsonl#py-median`, '--solution', join(tmp, 'median.py'), '--body', '--timeout', '2147483647']);
    expect(ok.stdout).toMatch(/public: 2\/2 passed/);
  });
});

describe('lsp-codegen plan', () => {
  it('plans one problem with PG-TD and reports pass rates and stats as JSON', async () => {
    const r = await runCli(['plan', '--problems', `${problems}/python.jsonl`, '--id', 'py-is-anagram', '--budget', '3', '--json'], undefined, 120_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ problemId: 'py-is-anagram', strategy: 'pgtd' });
    expect(out.program.startsWith('def is_anagram(a: str, b: str) -> bool:')).toBe(true);
    expect(out.stats.programsEvaluated).toBeLessThanOrEqual(3);
    expect(out.stats.forwardPasses).toBeGreaterThan(0);
    expect(out.publicPassRate).toBeGreaterThanOrEqual(0);
    expect(out.hiddenPassRate).toBeGreaterThanOrEqual(0);
  });

  it('--ids, --shard and a resumable --out: each problem in exactly one shard, finished ones skipped, other settings refused', async () => {
    const ids = 'ts-gcd,ts-reverse-string,ts-is-palindrome';
    const out = join(tmp, 'plan-out');
    const base = ['plan', '--problems', `${problems}/typescript.jsonl`, '--ids', ids, '--strategy', 'greedy', '--out', out];
    const first = await runCli([...base, '--shard', '1/2'], undefined, 180_000);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^ts-is-palindrome: public/); // index 1 of the three asked for, in the file's order
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    // An interruption left half a line: it is redone, and the shard's finished problem is skipped.
    writeFileSync(join(out, 'results.jsonl'), readFileSync(join(out, 'results.jsonl'), 'utf8') + '{"problemId": "ts-g');
    const again = await runCli([...base, '--shard', '1/2'], undefined, 180_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/1 problems, 1 already in/);
    const other = await runCli([...base, '--shard', '0/2'], undefined, 180_000);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/were made with other shard \(\{"index":1,"count":2\} vs \{"index":0,"count":2\}\); use another --out folder/);
    const rest = await runCli(['plan', '--problems', `${problems}/typescript.jsonl`, '--ids', ids, '--strategy', 'greedy', '--out', join(tmp, 'plan-out-0'), '--shard', '0/2', '--json'], undefined, 180_000);
    expect(rest.stdout.trim().split('\n').map((l) => JSON.parse(l).problemId)).toEqual(['ts-reverse-string', 'ts-gcd']);
    const lines = readFileSync(join(out, 'results.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{"problemId":"'));
    expect(lines).toHaveLength(1);
    const unknown = await runCli(['plan', '--problems', `${problems}/typescript.jsonl`, '--ids', 'ts-gcd,nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no problem "nope"/);
    expect((await runCli(['plan', '--problems', `${problems}/typescript.jsonl`, '--shard', '2/2'])).code).toBe(2);
  }, 600_000);

  it('runs a baseline strategy and rejects bad flags', async () => {
    const r = await runCli(['plan', '--problems', `${problems}/typescript.jsonl`, '--id', 'ts-gcd', '--strategy', 'greedy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ts-gcd: public \d+%, hidden \d+% — 1 programs/);
    expect((await runCli(['plan', '--problems', `${problems}/typescript.jsonl`, '--strategy', 'magic'])).code).toBe(2);
    const missing = await runCli(['plan', '--problems', join(tmp, 'none.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read problems file/);
    const alone = await runCli(['plan', '--problems', `${problems}/typescript.jsonl`, '--monitors', 'deref']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--monitors needs --workspace/);
    const unknown = await runCli(['plan', '--problems', `${problems}/typescript.jsonl`, '--workspace', tmp, '--monitors', 'every']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--monitors: unknown monitor 'every'/);
  });
});
