import { describe, expect, it } from 'vitest';
import { callArguments, calleeAt, innermostOpen, openStringAtEnd } from '../../src/lang/brackets.js';
import type { Language } from '../../src/lang/language.js';
import { classify } from '../../src/lang/lexical.js';
import { parseParameter, signaturesOf } from '../../src/lsp/signatures.js';
import { argumentCountMonitor, arity, callableMonitor } from '../../src/monitor/kinds/call.js';
import { importMonitor } from '../../src/monitor/kinds/imports.js';
import { objectKeyMonitor } from '../../src/monitor/kinds/keys.js';
import { keywordArgumentMonitor } from '../../src/monitor/kinds/kwargs.js';
import { stringLiteralMonitor } from '../../src/monitor/kinds/literals.js';
import { newMonitor } from '../../src/monitor/kinds/new.js';
import type { CharCheck, Scan, WordMonitor } from '../../src/monitor/monitor.js';
import { parseMonitorKinds } from '../../src/monitor/monitors.js';

const scan = (text: string, language: Language = 'typescript'): Scan => ({ text, kinds: classify(language, text), language });
const slot = (m: WordMonitor, text: string, language: Language = 'typescript') => {
  const s = m.slot(scan(text, language));
  return s && { prefix: s.prefix, anchor: s.anchor };
};

describe('object-literal key trigger', () => {
  it.each([
    ['go({ me', 'me'],
    ['go({ method: "GET", ', ''],
    ['go(a, {\n  ret', 'ret'],
    ['const o: Options = { ', ''],
    ['x = { a: { b', 'b'],
    ['return { ', ''],
    ['const o = cond ? { ', ''],
  ])('%j is a key position (prefix %j)', (text, prefix) => {
    expect(slot(objectKeyMonitor, text)?.prefix).toBe(prefix);
  });
  it.each([
    'if (x) { a',
    'function f() { ret',
    'type T = { a',
    'interface I { a',
    'let x: { a',
    'f((o: { a',
    'items.map((x) => { ret',
    'const s = "{ a',
    '// go({ a',
    'const t = `${ {a',
    'go({ a: 1 }, b',
    'go({ a: 1, b: 2',
    'class C { m',
    'import { rea',
  ])('%j is not', (text) => {
    expect(slot(objectKeyMonitor, text)).toBeUndefined();
  });
});

describe('string trigger (literals) and module specifiers (imports)', () => {
  it('finds the open string and its contents', () => {
    expect(slot(stringLiteralMonitor, "on('cl")).toEqual({ prefix: 'cl', anchor: 4 });
    expect(slot(stringLiteralMonitor, 'on("')).toEqual({ prefix: '', anchor: 4 });
    expect(slot(stringLiteralMonitor, "f('a', 'b")?.prefix).toBe('b');
    expect(slot(stringLiteralMonitor, "switch (e) { case 'fo")?.prefix).toBe('fo');
    expect(slot(stringLiteralMonitor, "m('fast', '", 'python')?.prefix).toBe('');
  });
  it.each([
    ["on('a')", 'typescript'],
    ["// on('a", 'typescript'],
    ['const t = `on(${x}', 'typescript'],
    ["f('a\\'b", 'typescript'],
    ["x = f'ab", 'python'],
    ['x = """ab', 'python'],
    ["# f('a", 'python'],
    ["import { a } from './x", 'typescript'],
  ] as const)('no literal slot in %j', (text, language) => {
    expect(slot(stringLiteralMonitor, text, language)).toBeUndefined();
  });
  it('module specifiers go segment by segment', () => {
    expect(slot(importMonitor, "import { a } from './models/cu")).toEqual({ prefix: 'cu', anchor: 28 });
    expect(slot(importMonitor, "import './")?.prefix).toBe('');
    expect(slot(importMonitor, "const m = await import('./ut")?.prefix).toBe('ut');
    expect(slot(importMonitor, "const fs = require('no")?.prefix).toBe('no');
    expect(slot(importMonitor, "const s = 'from './x")).toBeUndefined();
    expect(slot(importMonitor, "f('./x")).toBeUndefined();
  });
  it('Python imports: modules and names', () => {
    expect(slot(importMonitor, 'import js', 'python')?.prefix).toBe('js');
    expect(slot(importMonitor, 'from shop.mo', 'python')?.prefix).toBe('mo');
    expect(slot(importMonitor, 'from .mod', 'python')?.prefix).toBe('mod');
    expect(slot(importMonitor, 'from shop.models import Cus', 'python')?.prefix).toBe('Cus');
    expect(slot(importMonitor, 'from shop.models import (Order, Cus', 'python')?.prefix).toBe('Cus');
    expect(slot(importMonitor, 'from json import loads as l, d', 'python')?.prefix).toBe('d');
    expect(slot(importMonitor, 'x = important', 'python')).toBeUndefined();
    expect(slot(importMonitor, '# import js', 'python')).toBeUndefined();
  });
});

describe('new trigger', () => {
  it('fires after `new` in code', () => {
    expect(slot(newMonitor, 'const r = new Repo')).toEqual({ prefix: 'Repo', anchor: 14 });
    expect(slot(newMonitor, 'throw new ')?.prefix).toBe('');
    expect(slot(newMonitor, 'renew Foo')).toBeUndefined();
    expect(slot(newMonitor, 'x.new Foo')).toBeUndefined();
    expect(slot(newMonitor, "'new Foo")).toBeUndefined();
    expect(slot(newMonitor, '// new Foo')).toBeUndefined();
  });
});

describe('call shape and keyword arguments (checks of the next character)', () => {
  const check = (text: string, ch: string, language: Language = 'typescript', rest = ''): CharCheck<any> | undefined => // eslint-disable-line @typescript-eslint/no-explicit-any
    (ch === '(' ? callableMonitor : ch === '=' ? keywordArgumentMonitor : argumentCountMonitor).check(scan(text, language), ch, rest);
  it('finds the call a `)` or `,` belongs to, and counts its arguments', () => {
    expect(check('f(a', ')')?.anchor).toBe(2);
    expect(check('x = f(g(a', ')')?.anchor).toBe(8);
    expect(check('obj?.m(a, b', ',')?.anchor).toBe(7);
    expect(check('f<string>(a', ')')?.anchor).toBe(10);
    expect(callArguments('f(a, [b, c], { d: 1 }, "x,y"', classify('typescript', 'f(a, [b, c], { d: 1 }, "x,y"'), 1).count).toBe(4);
    expect(callArguments('f(', classify('typescript', 'f('), 1).count).toBe(0);
  });
  it.each([
    ['if (a', ')'],
    ['while (x', ')'],
    ['function f(a', ')'],
    ['const g = (a', ')'],
    ['f(...xs', ')'],
    ['f("a', ')'],
    ['// f(a', ')'],
    ['f(,', ','],
  ])('%j: no count check for %j', (text, ch) => {
    expect(check(text, ch)).toBeUndefined();
  });
  it('Python: not at a def, a class base list or a starred argument', () => {
    expect(check('def f(a', ')', 'python')).toBeUndefined();
    expect(check('class A(B', ')', 'python')).toBeUndefined();
    expect(check('f(*xs', ')', 'python')).toBeUndefined();
    expect(check('s.buy("x"', ')', 'python')?.anchor).toBe(6);
  });
  it('judges `(` only right after a member', () => {
    expect(check('x = obj.count', '(')).toBeDefined();
    expect(check('x = count', '(')).toBeUndefined();
    expect(check('"obj.count', '(')).toBeUndefined();
  });
  it('a keyword argument is `name=` at an argument start of a call, not `==` or an assignment', () => {
    expect(check('s.buy("x", qty', '=', 'python')?.anchor).toBe(6);
    expect(check('s.buy(qty', '=', 'python', '=')).toBeUndefined();
    expect(check('qty', '=', 'python')).toBeUndefined();
    expect(check('f(a.b', '=', 'python')).toBeUndefined();
  });
  it('the legal characters follow from the signatures', () => {
    const sigs = signaturesOf(
      { signatures: [{ label: 'two(a: number, b?: string): number', parameters: [{ label: 'a: number' }, { label: 'b?: string' }] }] },
      'typescript',
    );
    expect(arity(sigs[0]!)).toEqual({ required: 1, max: 2 });
    expect(check('two(', ')')!.legal(sigs)).toBe(false);
    expect(check('two(1', ')')!.legal(sigs)).toBe(true);
    expect(check('two(1', ',')!.legal(sigs)).toBe(true);
    expect(check('two(1, "b"', ',')!.legal(sigs)).toBe(false);
    const py = signaturesOf(
      { signatures: [{ label: '(item: str, qty: int = 1, *, note: str = "") -> None', parameters: [{ label: [1, 10] }, { label: [12, 24] }, { label: [26, 27] }, { label: [29, 43] }] }] },
      'python',
    );
    expect(py[0]!.parameters.map((p) => [p.name, p.optional, p.keywordOnly ?? false])).toEqual([
      ['item', false, false],
      ['qty', true, false],
      ['note', true, true],
    ]);
    expect(check('s.buy("x", note', '=', 'python')!.legal(py)).toBe(true);
    expect(check('s.buy("x", nte', '=', 'python')!.legal(py)).toBe(false);
  });
});

describe('signature parameters', () => {
  it.each([
    ['...rest: number[]', 'typescript', { name: 'rest', optional: true, rest: true, type: 'number[]' }],
    ['b?: string', 'typescript', { name: 'b', optional: true, rest: false, type: 'string' }],
    ["mode: 'fast' | 'slow'", 'typescript', { name: 'mode', optional: false, rest: false, type: "'fast' | 'slow'" }],
    ['**kwargs: Any', 'python', { name: 'kwargs', optional: true, rest: true, keywords: true, type: 'Any' }],
    ['x=1', 'python', { name: 'x', optional: true, rest: false, type: '' }],
    ['...', 'python', { name: '', optional: true, rest: true, keywords: true, type: '' }],
  ] as const)('%j', (label, language, expected) => {
    expect(parseParameter(label, language)).toEqual(expected);
  });
  it('markers are not parameters', () => {
    expect(parseParameter('*', 'python')).toBeUndefined();
    expect(parseParameter('/', 'python')).toBeUndefined();
  });
});

describe('brackets', () => {
  it('innermost open bracket skips strings and comments', () => {
    const t = 'f(a, "(", /* ( */ [b';
    expect(innermostOpen(t, classify('typescript', t))).toEqual({ offset: 18, char: '[' });
    expect(openStringAtEnd("a = 'x' + 'y", classify('typescript', "a = 'x' + 'y"), 'typescript')?.content).toBe('y');
    expect(calleeAt('await (', 6, 'typescript')).toBeUndefined();
    expect(calleeAt('obj.m (', 6, 'typescript')).toEqual({ name: 'm', member: true });
  });
});

describe('--monitors', () => {
  it('parses all, none and lists; names an unknown kind', () => {
    expect(parseMonitorKinds('all')).toHaveLength(7);
    expect(parseMonitorKinds('none')).toEqual([]);
    expect(parseMonitorKinds('deref, call,deref')).toEqual(['deref', 'call']);
    expect(() => parseMonitorKinds('deref,calls')).toThrow(/unknown monitor 'calls'.*deref, call, keys/);
    expect(() => parseMonitorKinds('')).toThrow(/unknown monitor ''/);
  });
});
