import { describe, expect, it } from 'vitest';
import { stopModeIndex, stopStringIndex, type StopContext, type StopMode } from '../../src/decode/stop-modes.js';

/** The completion kept under `mode`, or null while the end is not written yet. */
function kept(mode: StopMode, context: Partial<StopContext>, text: string): string | null {
  const cut = stopModeIndex(mode, { language: 'typescript', lineBefore: '', ...context }, text);
  return cut === undefined ? null : text.slice(0, cut);
}

describe('stop modes, TypeScript', () => {
  it('line: ends at the end of the cursor line; skips leading blank lines on an empty line', () => {
    expect(kept('line', { lineBefore: '  const x = ' }, 'foo(1);\nbar();')).toBe('foo(1);');
    expect(kept('line', { lineBefore: '  ' }, '\n  foo();\nbar')).toBe('\n  foo();');
    expect(kept('line', { lineBefore: '  ' }, 'foo(')).toBeNull();
  });

  it('statement: ends after ; at depth 0, not inside brackets, strings or comments', () => {
    expect(kept('statement', {}, 'const a = f(x; y);\nnext();')).toBe('const a = f(x; y);');
    expect(kept('statement', {}, "log('a;b'); more")).toBe("log('a;b');");
    expect(kept('statement', {}, 'x = 1 // no; really\n  + 2;')).toBe('x = 1 // no; really\n  + 2;');
    expect(kept('statement', {}, 'const s = `a ${f({ y: 1 })};` + b;\n')).toBe('const s = `a ${f({ y: 1 })};` + b;');
  });

  it('statement: a line end ends it unless the next line continues it', () => {
    expect(kept('statement', {}, 'items\n  .map(f)\n  .filter(g)\nnext()')).toBe('items\n  .map(f)\n  .filter(g)');
    expect(kept('statement', {}, 'const a =\n  1\n')).toBeNull(); // next line not written yet
    expect(kept('statement', {}, 'if (x) {\n  y();\n} else {\n  z();\n}\nw();')).toBe('if (x) {\n  y();\n} else {\n  z();\n}');
  });

  it('statement: closing the enclosing block ends before the closer', () => {
    expect(kept('statement', {}, 'return x\n}')).toBe('return x');
    expect(kept('statement', {}, 'f(a, b)) + 1')).toBe('f(a, b)');
  });

  it('block: ends when the enclosing block closes, closer included unless the suffix has it', () => {
    const body = '\n  if (a) { b(); }\n  return "}";\n}\n\nfunction next() {}';
    expect(kept('block', {}, body)).toBe('\n  if (a) { b(); }\n  return "}";\n}');
    expect(kept('block', { excludeClosing: true }, body)).toBe('\n  if (a) { b(); }\n  return "}";\n');
    expect(kept('block', {}, 'a();\n/* } */ b();\n')).toBeNull();
  });
});

describe('stop modes, Python', () => {
  const py = { language: 'python' as const };

  it('block: ends at the first line indented less than the block', () => {
    const text = '    total = 0\n    for x in xs:\n        total += x\n\n    return total\n\ndef other():\n    pass\n';
    expect(kept('block', { ...py, lineBefore: '' }, text)).toBe('    total = 0\n    for x in xs:\n        total += x\n\n    return total');
    expect(kept('block', { ...py, lineBefore: '    x = ' }, '[1,\n2]\n    y = 2\nz = 3')).toBe('[1,\n2]\n    y = 2');
    expect(kept('block', { ...py, lineBefore: '    ' }, 's = """\nnot a dedent\n"""\n    t = 1\n')).toBeNull();
  });

  it('block: a body written at column 0 after the header (or the docstring) ends at once; the body keeps its indentation', () => {
    const afterDocstring = { ...py, lineBefore: '', previousLine: '    """Doc."""' };
    expect(kept('block', afterDocstring, 'return 1\nprint(f())\n')).toBe('');
    expect(kept('block', afterDocstring, '\n    return 1\nprint(f())\n')).toBe('\n    return 1');
    const afterHeader = { ...py, lineBefore: '', previousLine: 'def f(x):  # note' };
    expect(kept('block', afterHeader, 'x = 1\n')).toBe('');
    expect(kept('block', afterHeader, '        y = 1\n        return y\n    z = 2\n')).toBe('        y = 1\n        return y');
    // Inside a body, a line at the body's indentation goes on; one less deep ends it.
    expect(kept('block', { ...py, lineBefore: '', previousLine: '    x = 1' }, '    y = 2\n        z = 3\n    w = 4\nv = 5\n')).toBe('    y = 2\n        z = 3\n    w = 4');
    expect(kept('block', { ...py, lineBefore: '', previousLine: 'x = 1' }, 'y = 2\nz = 3\n')).toBeNull();
  });

  it('block: a comment or a top-level cursor does not end it', () => {
    expect(kept('block', { ...py, lineBefore: '' }, '    a = 1\n# note\n    b = 2\n')).toBeNull();
    expect(kept('block', { ...py, lineBefore: '' }, 'a = 1\nb = 2\n')).toBeNull();
  });

  it('statement: a logical line, or a whole compound statement', () => {
    expect(kept('statement', { ...py, lineBefore: '    x = ' }, 'foo(a,\n  b)\n    y = 2')).toBe('foo(a,\n  b)');
    expect(kept('statement', { ...py, lineBefore: '    ' }, 'if a:\n        b()\n    else:\n        c()\n    d()\n')).toBe(
      'if a:\n        b()\n    else:\n        c()',
    );
    expect(kept('statement', { ...py, lineBefore: '' }, 'x = "a#b" # c\ny')).toBe('x = "a#b" # c');
  });
});

describe('stop strings', () => {
  it('cuts at the earliest stop string', () => {
    expect(stopStringIndex(['\n\n', 'END'], 'abc END\n\n')).toBe(4);
    expect(stopStringIndex(['zz'], 'abc')).toBeUndefined();
  });
});
