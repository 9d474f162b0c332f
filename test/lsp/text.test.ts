import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decode/sampling.js';
import { applyChanges, diffChange, offsetAt, positionAt } from '../../src/lsp/text.js';

describe('document text helpers', () => {
  it('converts offsets and positions both ways', () => {
    const text = 'ab\ncde\n\nf';
    for (let o = 0; o <= text.length; o++) {
      const p = positionAt(text, o);
      expect(offsetAt(text, p.line, p.character)).toBe(o);
    }
    expect(offsetAt(text, 1, 4)).toBeUndefined();
    expect(offsetAt(text, 9, 0)).toBeUndefined();
  });

  it('incremental changes reproduce every random edit exactly', () => {
    const random = seededRandom(3);
    const alphabet = ['a', 'b', '\n', ' ', '.', '😀', 'é'];
    let text = 'const x = 1;\nconst y = x.toFixed(2);\n';
    for (let i = 0; i < 500; i++) {
      const start = Math.floor(random() * (text.length + 1));
      const end = Math.min(text.length, start + Math.floor(random() * 4));
      const insert = Array.from({ length: Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      // Keep surrogate pairs whole in the edit itself.
      const next = Array.from(text).slice(0, Array.from(text.slice(0, start)).length).join('') + insert + text.slice(end);
      if (next.isWellFormed?.() === false) continue;
      const change = diffChange(text, next);
      if (next === text) expect(change).toBeUndefined();
      else expect(applyChanges(text, [change!])).toBe(next);
      text = next;
    }
  });
});
