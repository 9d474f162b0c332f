import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { runTests } from '../../src/sandbox/test-runner.js';
import { attacks, PY_TESTS, TS_TESTS } from './attacks.js';

// The problem files, copied where any user of the host could read them (not under /tmp or /work, which
// earlier sandboxes happened to hide behind their own mounts).
const PROBLEMS = mkdtempSync('/var/tmp/lsp-codegen-judge-');
chmodSync(PROBLEMS, 0o755);
cpSync(join(packageRoot(), 'fixtures', 'problems'), PROBLEMS, { recursive: true });
afterAll(() => rmSync(PROBLEMS, { recursive: true, force: true }));

describe('the judge cannot be fooled (real sandbox)', () => {
  it.each(attacks(PROBLEMS).map((a) => [a.language, a.name, a] as const))('%s: %s — scores no judged test', async (language, _name, attack) => {
    const tests = language === 'python' ? PY_TESTS : TS_TESTS;
    const r = await runTests({ language, code: attack.code, tests });
    for (const [i, t] of r.tests.entries()) {
      if (t.forgeable) continue;
      expect({ test: tests[i], status: t.status }).not.toEqual({ test: tests[i], status: 'pass' });
    }
    // The one TypeScript test that compares inside the sandbox (`assert.ok(x === 'a')`) is marked, not judged.
    expect(r.tests.filter((t) => t.forgeable).length).toBe(language === 'python' ? 0 : 1);
    expect(r.passed).toBeLessThanOrEqual(r.forgeable);
  });

  it('an honest solution passes the same tests, and a wrong one fails them with the values in the message', async () => {
    const py = await runTests({ language: 'python', code: 'def reverse_words(s):\n    return " ".join(reversed(s.split()))\n', tests: PY_TESTS });
    expect(py).toMatchObject({ passed: 4, forgeable: 0 });
    const ts = await runTests({ language: 'typescript', code: "export function reverseString(s: string): string { return [...s].reverse().join(''); }", tests: TS_TESTS });
    expect(ts).toMatchObject({ passed: 4, forgeable: 1 });
    const wrong = await runTests({ language: 'python', code: 'def reverse_words(s):\n    return s\n', tests: PY_TESTS.slice(0, 1) });
    expect(wrong.tests[0]).toEqual({ status: 'fail', message: "got 'a b c', expected 'c b a' (assert reverse_words('a b c') == 'c b a')" });
  });

  it('judges by Python semantics: numbers across types, dict and set order, tuples vs lists, None, truth', async () => {
    const code = `from collections import Counter, OrderedDict, namedtuple
P = namedtuple('P', 'x y')
def f(k):
    return {
        'int-float': 2.0, 'bool': True, 'big': 10**40, 'counter': Counter('aab'), 'ordered': OrderedDict([('b', 1), ('a', 2)]),
        'set': {3, 1, 2}, 'tuple': (1, 2), 'named': P(1, 2), 'none': None, 'empty': [], 'nan': float('nan'), 'keys': {1: 'x'},
    }[k]
`;
    const tests = [
      "assert f('int-float') == 2",
      "assert f('bool') == 1",
      'assert f(\'big\') == 10000000000000000000000000000000000000000',
      "assert f('counter') == {'a': 2, 'b': 1}",
      "assert f('ordered') == {'a': 2, 'b': 1}",
      "assert f('set') == {1, 2, 3}",
      "assert f('tuple') == (1, 2)",
      "assert f('named') == (1, 2)",
      "assert f('none') is None",
      "assert not f('empty')",
      "assert f('keys') == {1.0: 'x'}",
      // and what must fail
      "assert f('tuple') == [1, 2]",
      "assert f('nan') == float('nan')",
      "assert f('bool') is 1",
      "assert f('empty')",
    ];
    const r = await runTests({ language: 'python', code, tests });
    expect(r.tests.map((t) => t.status)).toEqual([...Array(11).fill('pass'), ...Array(4).fill('fail')]);
    // `float('nan')` is not a literal and `is 1` is not a judged form: those two run as written, marked forgeable.
    expect(r.tests.map((t, i) => (t.forgeable ? i : -1)).filter((i) => i >= 0)).toEqual([12, 13]);
  });

  it('judges by node:assert semantics outside the sandbox: strict vs loose, deep equality, prototypes', async () => {
    const code = `export const f = (k: string): any => ({
      one: 1, str: '1', arr: [1, [2, { a: 3 }]], map: new Map([['a', 1]]), set: new Set([1, 2]), neg0: -0, nan: NaN,
      date: new Date(0), cls: new (class Point { x = 1 })(), undef: undefined, big: 10n,
    } as any)[k];`;
    const tests = [
      "assert.strictEqual(f('one'), 1)",
      "assert.equal(f('str'), 1)",
      "assert.deepStrictEqual(f('arr'), [1, [2, { a: 3 }]])",
      "assert.deepStrictEqual(f('map'), new Map([['a', 1]]))",
      "assert.deepStrictEqual(f('set'), new Set([2, 1]))",
      "assert.strictEqual(f('nan'), NaN)",
      "assert.deepStrictEqual(f('undef'), undefined)",
      "assert.strictEqual(f('big'), 10n)",
      "assert.ok(f('cls'))",
      "assert.notStrictEqual(f('one'), 2)",
      // and what must fail
      "assert.strictEqual(f('str'), 1)",
      "assert.strictEqual(f('neg0'), 0)",
      "assert.deepStrictEqual(f('cls'), { x: 1 })",
      "assert.strictEqual(f('arr'), [1, [2, { a: 3 }]])",
    ];
    const r = await runTests({ language: 'typescript', code, tests });
    expect(r.forgeable).toBe(0);
    expect(r.tests.map((t) => t.status)).toEqual([...Array(10).fill('pass'), ...Array(4).fill('fail')]);
  });

  it('setup statements run, several assertions in one snippet are each judged, and an exception is an error', async () => {
    const code = 'class Stack:\n    def __init__(self):\n        self.xs = []\n    def push(self, x):\n        self.xs.append(x)\n    def pop(self):\n        return self.xs.pop()\n';
    const tests = ['s = Stack(); [s.push(i) for i in range(5)]; assert s.pop() == 4; assert s.pop() == 3', 's = Stack(); s.push(1); assert s.pop() == 1; assert s.pop() == 1', 'assert Stack().peek() == 1'];
    const r = await runTests({ language: 'python', code, tests });
    expect(r.tests.map((t) => t.status)).toEqual(['pass', 'error', 'error']);
    expect(r.tests[1]!.message).toMatch(/IndexError/);
  });
});
