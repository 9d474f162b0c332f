import { describe, expect, it } from 'vitest';
import { CompletionItemKind as K, type CompletionItem } from 'vscode-languageserver-protocol';
import { memberName, normalizeMembers } from '../../src/lsp/members.js';

const names = (items: CompletionItem[], language: 'typescript' | 'python', prefix = '', receiver = 'obj') =>
  normalizeMembers(items, language, { prefix, receiver }).map((m) => m.member.name);

describe('normalizeMembers (pure)', () => {
  it('takes the inserted identifier: optional markers and typescript-language-server dot edits', () => {
    expect(memberName({ label: 'address?', textEdit: { newText: '.address', range: { start: { line: 0, character: 1 }, end: { line: 0, character: 2 } } } })).toBe('address');
    expect(memberName({ label: 'value?' })).toBe('value');
    expect(memberName({ label: 'x', insertText: '?.x' })).toBe('x');
  });

  it('drops keywords, snippets, plain words, non-identifiers and duplicates; narrows by prefix', () => {
    const items: CompletionItem[] = [
      { label: 'get', kind: K.Method },
      { label: 'get', kind: K.Method }, // overload
      { label: 'gather', kind: K.Text },
      { label: 'goto', kind: K.Keyword },
      { label: 'gsnip', kind: K.Snippet },
      { label: '"g-key"', kind: K.Property, insertText: '["g-key"]' },
      { label: 'size', kind: K.Property },
    ];
    expect(names(items, 'typescript', 'g')).toEqual(['get']);
    expect(normalizeMembers(items, 'typescript', { prefix: '', receiver: '' }).map((m) => m.member)).toEqual([
      { name: 'get', kind: 'method' },
      { name: 'size', kind: 'property' },
    ]);
  });

  it('Python: name-mangled only after self./cls., dunders only with a _ prefix', () => {
    const items: CompletionItem[] = [
      { label: 'run', kind: K.Method },
      { label: '_cache', kind: K.Variable },
      { label: '__secret', kind: K.Variable },
      { label: '__init__', kind: K.Method },
      { label: '$x', kind: K.Variable },
    ];
    expect(names(items, 'python')).toEqual(['run', '_cache']);
    expect(names(items, 'python', '', 'self')).toEqual(['run', '_cache', '__secret']);
    expect(names(items, 'python', '_')).toEqual(['_cache', '__init__']);
  });
});
