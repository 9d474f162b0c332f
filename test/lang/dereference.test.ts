import { describe, expect, it } from 'vitest';
import { closersNeeded, findDereference, identifierEnd } from '../../src/lang/dereference.js';
import type { Language } from '../../src/lang/language.js';

/** Dereference at the `|` marker. */
function at(marked: string, language: Language = 'typescript') {
  const offset = marked.indexOf('|');
  return findDereference(marked.replace('|', ''), offset, language);
}

describe('findDereference', () => {
  it('finds `obj.`, `obj?.`, calls, indexes, strings and chains across lines', () => {
    expect(at('const x = obj.|')).toMatchObject({ prefix: '', receiver: 'obj', dot: 13, memberStart: 14 });
    expect(at('obj?.ge|')).toMatchObject({ prefix: 'ge', receiver: 'obj' });
    expect(at('f(a).|')).toMatchObject({ receiver: '' });
    expect(at('xs[0].|')).toBeDefined();
    expect(at("'abc'.|")).toBeDefined();
    expect(at('value!.|')).toBeDefined();
    expect(at('items\n  .map(f)\n  .fil|')).toMatchObject({ prefix: 'fil' });
    expect(at('this.$el.|')).toMatchObject({ receiver: '$el' });
  });

  it('rejects dots in strings, comments, numbers, spreads, and non-dots', () => {
    expect(at("'a.|'")).toBeUndefined();
    expect(at('// see obj.|')).toBeUndefined();
    expect(at('/* obj.| */')).toBeUndefined();
    expect(at('const n = 1.|')).toBeUndefined();
    expect(at('const n = 1.5|')).toBeUndefined();
    expect(at('f(...|')).toBeUndefined();
    expect(at('a + |')).toBeUndefined();
    expect(at('obj|')).toBeUndefined();
    expect(at('x = (a + b) * .|')).toBeUndefined();
  });

  it('knows Python: relative imports, comments, strings, $ not an identifier', () => {
    expect(at('self.items.ap|', 'python')).toMatchObject({ prefix: 'ap', receiver: 'items' });
    expect(at('from .|', 'python')).toBeUndefined();
    expect(at('from .models import x\nos.path.|', 'python')).toMatchObject({ receiver: 'path' });
    expect(at('# os.|', 'python')).toBeUndefined();
    expect(at('"""doc os.|', 'python')).toBeUndefined();
    expect(at('x?.|', 'python')).toBeUndefined();
  });

  it('finds the end of the identifier after the cursor', () => {
    expect(identifierEnd('obj.getName()', 6, 'typescript')).toBe(11);
    expect(identifierEnd('obj.', 4, 'typescript')).toBe(4);
  });
});

describe('closersNeeded', () => {
  it('closes the brackets open in code, innermost first, ignoring strings and comments', () => {
    expect(closersNeeded('f(a, [b.', 'typescript')).toBe('])');
    expect(closersNeeded('f(")", /* ( */ g(x).', 'typescript')).toBe(')');
    expect(closersNeeded('x = {"a": (1, 2), "b": json.', 'python')).toBe('}');
    expect(closersNeeded('done()', 'python')).toBe('');
  });
});
