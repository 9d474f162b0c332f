import { describe, expect, it } from 'vitest';
import { planJsSnippet } from '../../src/judge/snippets-js.js';
import { planPythonSnippets } from '../../src/judge/snippets-python.js';
import { pyEquals, pyRepr, pyTruthy } from '../../src/judge/python-equality.js';
import { judgeTest, readChannel } from '../../src/judge/verdict.js';
import { parseTagged, type Tagged } from '../../src/judge/values.js';
import type { SnippetPlan } from '../../src/judge/plan.js';

const int = (n: number | bigint): Tagged => ['int', `${BigInt(n) < 0n ? '-' : ''}0x${(BigInt(n) < 0n ? -BigInt(n) : BigInt(n)).toString(16)}`];
const float = (r: string): Tagged => ['float', r];
const str = (s: string): Tagged => ['str', s];

describe("Python's == on tagged data", () => {
  it('compares numbers exactly across bool, int, float and complex', () => {
    expect(pyEquals(int(1), float('1.0'))).toBe(true);
    expect(pyEquals(['bool', true], int(1))).toBe(true);
    expect(pyEquals(['bool', false], float('0.0'))).toBe(true);
    expect(pyEquals(float('-0.0'), int(0))).toBe(true);
    expect(pyEquals(int(2n ** 64n + 1n), float('1.8446744073709552e+19'))).toBe(false);
    expect(pyEquals(int(2n ** 64n), float('1.8446744073709552e+19'))).toBe(true);
    expect(pyEquals(float('nan'), float('nan'))).toBe(false);
    expect(pyEquals(float('inf'), float('inf'))).toBe(true);
    expect(pyEquals(['complex', '1.0', '0.0'], int(1))).toBe(true);
    expect(pyEquals(['complex', '1.0', '2.0'], int(1))).toBe(false);
    expect(pyEquals(int(1), str('1'))).toBe(false);
  });

  it('compares containers as Python does', () => {
    expect(pyEquals(['list', [int(1), int(2)]], ['list', [float('1.0'), int(2)]])).toBe(true);
    expect(pyEquals(['list', [int(1)]], ['tuple', [int(1)]])).toBe(false);
    expect(pyEquals(['dict', [[str('a'), int(1)], [int(1), str('x')]]], ['dict', [[float('1.0'), str('x')], [str('a'), ['bool', true]]]])).toBe(true);
    expect(pyEquals(['dict', [[str('a'), int(1)]]], ['dict', [[str('a'), int(2)]]])).toBe(false);
    expect(pyEquals(['set', [int(1), int(2)]], ['frozenset', [int(2), float('1.0')]])).toBe(true);
    expect(pyEquals(['set', [['tuple', [int(1), str('a')]]]], ['set', [['tuple', [['bool', true], str('a')]]]])).toBe(true);
    expect(pyEquals(['set', [int(1)]], ['set', [int(1), int(2)]])).toBe(false);
    expect(pyEquals(['None'], ['None'])).toBe(true);
    expect(pyEquals(['opaque', 'A'], ['opaque', 'A'])).toBe(false);
  });

  it('tells truth and writes repr for messages', () => {
    expect([int(0), float('0.0'), str(''), ['list', []], ['None'], ['dict', []]].map(pyTruthy)).toEqual([false, false, false, false, false, false]);
    expect([int(-3), float('nan'), str(' '), ['tuple', [['None']]]].map(pyTruthy)).toEqual([true, true, true, true]);
    expect(pyTruthy(['opaque', 'A'])).toBeUndefined();
    expect(pyRepr(['dict', [[str("it's"), ['tuple', [int(-1)]]], [['None'], ['set', []]]]])).toBe(`{"it's": (-1,), None: set()}`);
  });

  it('rejects malformed reports', () => {
    expect(() => parseTagged('python', ['int', '12'])).toThrow();
    expect(() => parseTagged('python', ['list', [['nope']]])).toThrow();
    expect(() => parseTagged('js', ['object', [['a', ['number', 'x']]], false])).toThrow();
    expect(() => parseTagged('js', { 0: 'string' })).toThrow();
    let deep: unknown = ['null'];
    for (let i = 0; i < 300; i++) deep = ['array', [deep]];
    expect(() => parseTagged('js', deep)).toThrow(/deeply/);
  });
});

describe('planning test snippets', () => {
  it('TypeScript: judged forms become probes; the expected literal stays out of the code', () => {
    const p = planJsSnippet("const s = new MinStack(); s.push(3); assert.strictEqual(s.min(), 3); assert.deepStrictEqual(s.all(), [3, { a: -1, 'b c': [,'x'] }], 'message');");
    expect(p.kind).toBe('judged');
    if (p.kind !== 'judged') return;
    expect(p.code).toBe('const s = new MinStack(); s.push(3); __probe(0, (s.min())); __probe(1, (s.all()));');
    expect(p.checks.map((c) => [c.op, c.expected, c.message])).toEqual([
      ['strictEqual', ['number', 3], undefined],
      ['deepStrictEqual', ['array', [['number', 3], ['object', [['a', ['number', -1]], ['b c', ['array', [['hole'], ['string', 'x']]]]], false]]], 'message'],
    ]);
  });

  it.each([
    ['assert.ok(f() === 3)', /compares inside the sandbox/],
    ['assert.strictEqual(f(), g())', /not a literal/],
    ['if (f() > 2) throw new Error()', /no assertion/],
    ['const x = f(); assert.strictEqual(x, 1); assert.throws(() => f())', /uses assert/],
    ['switch (f()) { case 1: break; } assert.ok(f())', /switch/],
    ['assert.strictEqual(f(', /does not parse/],
  ])('TypeScript: %s is forgeable', (snippet, reason) => {
    const p = planJsSnippet(snippet);
    expect(p.kind).toBe('forgeable');
    if (p.kind === 'forgeable') expect(p.reason).toMatch(reason);
  });

  it('Python: judged forms and the forgeable rest (the host Python parses, nothing runs)', async () => {
    const plans = await planPythonSnippets([
      "assert f('a') == {'a': (1, 2.5, None), 'b': {1, 2}}",
      's = S(); s.push(1); assert s.pop() == 1; assert not s.items(); assert s.top() is None',
      "assert 3 == g(1), 'g is wrong'",
      'assert f(1) > 2',
      'assert all(f(i) == i for i in range(3))',
      'assert f(1) == [x]',
      'f(1)',
      'assert f(1) == 2 or f(1) == 3',
      'assert f(',
    ]);
    const judged = plans.slice(0, 3) as Extract<SnippetPlan, { kind: 'judged' }>[];
    expect(judged.map((p) => p.kind)).toEqual(['judged', 'judged', 'judged']);
    expect(judged[0]!.code).toBe("__probe(0, f('a'))");
    expect(judged[0]!.checks[0]!.expected).toEqual(['dict', [[['str', 'a'], ['tuple', [['int', '0x1'], ['float', '2.5'], ['None']]]], [['str', 'b'], ['set', [['int', '0x1'], ['int', '0x2']]]]]]);
    expect(judged[1]!.code).toBe('s = S()\ns.push(1)\n__probe(0, s.pop())\n__probe(1, s.items())\n__probe(2, s.top())');
    expect(judged[1]!.checks.map((c) => c.op)).toEqual(['eq', 'falsy', 'is']);
    expect(judged[2]!.checks[0]).toMatchObject({ op: 'eq', expected: ['int', '0x3'], message: 'g is wrong' });
    expect(plans.slice(3).map((p) => (p.kind === 'forgeable' ? p.reason.split(':')[0] : p.kind))).toEqual([
      'an assertion of another form',
      'compares inside the sandbox',
      'an assertion of another form',
      'no assertion of a judged form',
      'compares inside the sandbox',
      'does not parse',
    ]);
  });
});

describe('verdicts from the channel', () => {
  const plan: SnippetPlan = { kind: 'judged', code: '', checks: [{ op: 'eq', expected: int(3), source: 'assert f() == 3' }, { op: 'truthy', source: 'assert g()' }] };
  const judge = (lines: object[]) => judgeTest('python', plan, readChannel(lines.map((l) => JSON.stringify(l)).join('\n')).events.get(0) ?? []);

  it('passes only with every check satisfied and the snippet finished', () => {
    expect(judge([{ t: 0, k: 0, v: int(3) }, { t: 0, k: 1, v: ['bool', true] }, { t: 0, done: true }])).toEqual({ status: 'pass' });
    expect(judge([{ t: 0, k: 0, v: int(3) }, { t: 0, done: true }])).toMatchObject({ status: 'error', message: /without evaluating assert g\(\)/ });
    expect(judge([{ t: 0, k: 0, v: int(3) }, { t: 0, k: 1, v: ['bool', true] }])).toBeUndefined();
  });

  it('forged and garbled lines settle nothing in the program’s favour', () => {
    expect(judge([{ t: 0, done: true }, { t: 0, k: 0, v: int(3) }])).toMatchObject({ status: 'error' });
    expect(judge([{ t: 0, k: 0, v: int(4) }, { t: 0, k: 0, v: int(3) }, { t: 0, k: 1, v: ['bool', true] }, { t: 0, done: true }])).toMatchObject({ status: 'fail' });
    expect(judge([{ t: 0, k: 0, v: ['int', 'three'] }])).toMatchObject({ status: 'fail', message: /malformed/ });
    expect(judge([{ t: 0, status: 'pass' }, { i: 0, status: 'pass' }])).toBeUndefined();
    expect(judge([{ t: 0, k: 1, v: ['opaque', 'A'] }])).toMatchObject({ status: 'fail', message: /its class decides it/ });
    expect(readChannel('not json\n[1]\nnull\n{"t": -1, "done": true}\n').events.size).toBe(0);
  });
});
