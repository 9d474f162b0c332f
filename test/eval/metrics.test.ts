import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decode/sampling.js';
import { methodEndIndex } from '../../src/decode/stop-modes.js';
import { lex, scoreAtK, scoreGeneration } from '../../src/eval/metrics.js';

/** Expected best of k draws without replacement, by enumerating every k-subset. */
function bruteForce(values: number[], k: number): number {
  let total = 0;
  let count = 0;
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === k) {
      total += Math.max(...chosen.map((i) => values[i]!));
      count++;
      return;
    }
    for (let i = start; i < values.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return total / count;
}

describe('evaluation metrics (pure)', () => {
  it('score@k equals the brute-force expected best of k samples', () => {
    const random = seededRandom(2);
    for (let round = 0; round < 40; round++) {
      const n = 1 + Math.floor(random() * 7);
      const values = Array.from({ length: n }, () => (random() < 0.3 ? 0 : Math.round(random() * 100) / 100));
      for (let k = 1; k <= n; k++) expect(scoreAtK(values, k)).toBeCloseTo(bruteForce(values, k), 10);
    }
    expect(scoreAtK([1, 0, 0, 0], 1)).toBeCloseTo(0.25);
    expect(scoreAtK([1, 0, 0, 0], 4)).toBe(1);
    expect(() => scoreAtK([1], 2)).toThrow(/k must be/);
  });

  it('lexes TS and Python: strings whole, comments and whitespace dropped, keywords apart', () => {
    expect(lex('x.map((a) => a + "b c") // done', 'typescript').map((t) => t.text)).toEqual(['x', '.', 'map', '(', '(', 'a', ')', '=>', 'a', '+', '"b c"', ')']);
    expect(lex("return self.items[0] # x\nf'{a}'", 'python').map((t) => [t.text, t.kind])).toEqual([
      ['return', 'keyword'],
      ['self', 'keyword'],
      ['.', 'punct'],
      ['items', 'identifier'],
      ['[', 'punct'],
      ['0', 'number'],
      [']', 'punct'],
      ["f'{a}'", 'string'],
    ]);
  });

  it('NIM, ISM and PM as the MGD paper defines them', () => {
    const target = 'placeOrder(order);\n    this.orders.add(order);\n  }';
    expect(scoreGeneration('placeOrder(order);\n    return;\n  }', target, 'typescript')).toEqual({ nim: 1, ism: 2 / 5, pm: 5 / 15 });
    expect(scoreGeneration('place(order)', target, 'typescript').nim).toBe(0);
    expect(scoreGeneration(target, target, 'typescript')).toEqual({ nim: 1, ism: 1, pm: 1 });
    expect(scoreGeneration('', target, 'typescript')).toEqual({ nim: 0, ism: 0, pm: 0 });
  });
});

describe('cutting a generation at the end of the method', () => {
  it('TypeScript: closes every bracket open at the cursor, ignoring strings and comments', () => {
    // Cursor inside `for (...) {` inside the method body: two braces and no parens open.
    const gen = 'push(x);\n      if (x) { y("}"); }\n    }\n    return out;\n  }\n\n  next() {}';
    expect(gen.slice(0, methodEndIndex('typescript', gen, { openDepth: 2, bodyIndent: 0, lineBefore: '      out.' }))).toBe(
      'push(x);\n      if (x) { y("}"); }\n    }\n    return out;\n  }',
    );
    // Cursor inside an open call: `f(a.` has the call's paren open too.
    expect(methodEndIndex('typescript', 'b, c);\n}\nfoo', { openDepth: 2, bodyIndent: 0, lineBefore: '  f(a.' })).toBe(8);
    expect(methodEndIndex('typescript', 'b);\n  x();', { openDepth: 2, bodyIndent: 0, lineBefore: '  f(a.' })).toBeUndefined();
  });

  it('Python: ends before the first line indented less than the body', () => {
    const gen = 'append(x)\n        for y in xs:\n            pass\n\n        return out\n\n    def other(self):\n        pass\n';
    const cut = methodEndIndex('python', gen, { openDepth: 0, bodyIndent: 8, lineBefore: '        self.items.' });
    expect(gen.slice(0, cut)).toBe('append(x)\n        for y in xs:\n            pass\n\n        return out');
    // The cursor's own open parenthesis closes without ending the method.
    expect(methodEndIndex('python', 'x)\n        y = 1\n', { openDepth: 1, bodyIndent: 8, lineBefore: '        f(a.' })).toBeUndefined();
  });
});

describe('error messages in results (pure)', () => {
  it('carry paths relative to the repository, never the machine’s absolute ones', async () => {
    const { relativeMessage } = await import('../../src/eval/run.js');
    expect(relativeMessage(`Module '"/home/ci/repo/src/models/order"' has no exported member 'Ordr'.`, '/home/ci/repo')).toBe(`Module '"src/models/order"' has no exported member 'Ordr'.`);
    expect(relativeMessage('File /home/ci/repo is not a module', '/home/ci/repo')).toBe('File . is not a module');
    expect(relativeMessage('Cannot find name x', '/home/ci/repo')).toBe('Cannot find name x');
  });
});
