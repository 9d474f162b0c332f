import { describe, expect, it } from 'vitest';
import { completionMode, debounce, SuggestionCache, trimClosers } from '../src/logic.js';
import { CancellationTokenSource } from './vscode-stub.js';

describe('completion mode', () => {
  it('is single-line mid-line and outside blocks, multi-line on an empty line inside a block', () => {
    expect(completionMode('braces', 'function f() {\n  const x = ')).toBe('line');
    expect(completionMode('braces', 'function f() {\n  ')).toBe('block');
    expect(completionMode('braces', 'function f() {}\n')).toBe('line');
    expect(completionMode('braces', 'const s = "{";\n')).toBe('line'); // a brace in a string opens nothing
    expect(completionMode('braces', '// {\n')).toBe('line');
    expect(completionMode('python', 'def f():\n    ')).toBe('block');
    expect(completionMode('python', 'def f():\n    x = 1\n    ')).toBe('block');
    expect(completionMode('python', 'import os\n')).toBe('line');
    expect(completionMode('python', 'def f():\n    return os.')).toBe('line');
  });
});

describe('closers after the cursor', () => {
  it('drops closers the line already has, keeps those the completion opened itself', () => {
    expect(trimClosers('"hi")', ')')).toBe('"hi"');
    expect(trimClosers('"hi");', ');')).toBe('"hi"');
    expect(trimClosers('f(x)', ')')).toBe('f(x)');
    expect(trimClosers('f(x))', ')')).toBe('f(x)');
    expect(trimClosers('items[0]]', ']')).toBe('items[0]');
    expect(trimClosers('a, b)', ')')).toBe('a, b');
    expect(trimClosers('name"', '"')).toBe('name');
    expect(trimClosers('"name"', '"')).toBe('"name"'); // its own quotes are balanced
    expect(trimClosers('x)', '')).toBe('x)'); // nothing after the cursor
    expect(trimClosers('x)\n  y', ')')).toBe('x)\n  y'); // multi-line: left alone
  });
});

describe('suggestion cache', () => {
  it('keeps what remains of a suggestion while its characters are typed, and misses on any other edit', () => {
    const cache = new SuggestionCache();
    cache.remember('customer.', ';\n}', 'address(customer)');
    expect(cache.lookup('customer.', ';\n}')).toBe('address(customer)'); // asked again at the same place
    expect(cache.lookup('customer.add', ';\n}')).toBe('ress(customer)');
    expect(cache.lookup('customer.address(customer', ';\n}')).toBe(')');
    expect(cache.lookup('customer.address(customer)', ';\n}')).toBeUndefined(); // all typed
    expect(cache.lookup('customer.ab', ';\n}')).toBeUndefined(); // diverged
    expect(cache.lookup('customer.add', ';\n}x')).toBeUndefined(); // text after the cursor changed
  });
});

describe('debounce', () => {
  it('waits, and gives up when cancelled during the wait', async () => {
    const s = new CancellationTokenSource();
    const t = performance.now();
    expect(await debounce(50, s.token)).toBe(true);
    expect(performance.now() - t).toBeGreaterThanOrEqual(45);
    const c = new CancellationTokenSource();
    const waiting = debounce(10_000, c.token);
    c.cancel();
    expect(await waiting).toBe(false);
    expect(await debounce(10, c.token)).toBe(false);
  });
});
