import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decode/sampling.js';
import { suffixStopIndex } from '../../src/decode/suffix-stop.js';
import { lineSites } from '../../src/eval/line-sites.js';
import { editDistance, firstLine, scoreLine } from '../../src/eval/metrics.js';
import { diffHtml, summarize, svgPlot } from '../../src/eval/report.js';
import type { EvalRecord } from '../../src/eval/run.js';

const TS = `export class Cart {
  add(name: string, qty: number): void {
    // keep the total up to date
    const label = "a = b, c.d";
    this.items.set(name, qty);
    const t = \`x \${this.total}\`;
    /* a block
       comment(x) */
    return;
  }
}
`;

const body = (text: string, open: string) => ({ bodyStart: text.indexOf(open) + open.length, end: text.lastIndexOf('}', text.lastIndexOf('}') - 1) + 1 });

describe('line task: site selection (pure)', () => {
  const sites = lineSites(TS, 'typescript', body(TS, 'void {'), seededRandom(1));

  it('puts one cursor at each code line’s indentation and one mid-line, the target being the rest of the line', () => {
    const indent = sites.filter((s) => s.position === 'indent');
    expect(indent.map((s) => s.target)).toEqual(['const label = "a = b, c.d";', 'this.items.set(name, qty);', 'const t = `x ${this.total}`;', 'return;']);
    for (const s of sites) {
      const lineEnd = TS.indexOf('\n', s.cursor);
      expect(TS.slice(s.cursor, lineEnd).trimEnd()).toBe(s.target);
      expect(TS.slice(s.cursor, s.cursor + s.target.length)).toBe(s.target);
    }
    const mid = sites.filter((s) => s.position === 'mid');
    expect(mid.length).toBeGreaterThanOrEqual(3);
    for (const s of mid) expect(/^[ \t]*$/.test(TS.slice(TS.lastIndexOf('\n', s.cursor - 1) + 1, s.cursor))).toBe(false);
  });

  it('never puts a cursor inside a comment or a string, nor on the method’s closing line', () => {
    for (const s of sites) {
      const line = TS.slice(TS.lastIndexOf('\n', s.cursor - 1) + 1, TS.indexOf('\n', s.cursor));
      expect(line).not.toMatch(/keep the total|block|comment\(x\)/);
      const label = TS.indexOf('"a = b');
      expect(s.cursor <= label || s.cursor > label + '"a = b, c.d"'.length - 1).toBe(true);
      const template = TS.indexOf('`x ');
      expect(s.cursor <= template || s.cursor > TS.indexOf('`;', template)).toBe(true);
      expect(s.target).not.toBe('}');
    }
  });

  it('does not cut an operator (`...`, `=>`, `==`) and chooses the same cursors for the same seed', () => {
    const text = 'function f(o: object) {\n  const x = { ...o };\n  const g = (a: number) => a == 1;\n  return g;\n}\n';
    for (let seed = 1; seed < 30; seed++) {
      for (const s of lineSites(text, 'typescript', body(text, 'object) {'), seededRandom(seed))) {
        expect(['..', '=>', '=='].includes(text.slice(s.cursor - 1, s.cursor + 1))).toBe(false);
      }
    }
    expect(lineSites(TS, 'typescript', body(TS, 'void {'), seededRandom(7))).toEqual(lineSites(TS, 'typescript', body(TS, 'void {'), seededRandom(7)));
  });

  it('Python: skips comments and docstrings', () => {
    const py = 'def f(items):\n    """Sum them.\n    total = 0 in a docstring\n    """\n    # a comment\n    total = sum(items)\n    return total\n';
    const found = lineSites(py, 'python', { bodyStart: py.indexOf('    """'), end: py.length - 1 }, seededRandom(1));
    expect(found.filter((s) => s.position === 'indent').map((s) => s.target)).toEqual(['total = sum(items)', 'return total']);
  });
});

describe('line task: exact match and edit similarity (pure)', () => {
  it('edit distance and similarity match hand-computed values', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('flaw', 'lawn')).toBe(2);
    // 'return a + b;' vs 'return a - b;': one substitution over 13 characters.
    expect(scoreLine('return a - b;', 'return a + b;')).toEqual({ em: 0, es: 1 - 1 / 13 });
    expect(scoreLine('  return total;  ', 'return total;')).toEqual({ em: 1, es: 1 });
    // 'this.items.add(name);' (21) vs 'this.items.set(name, qty);' (26): 'add' → 'set' is 3, ', qty' inserted is 5.
    expect(scoreLine('this.items.add(name);', 'this.items.set(name, qty);')).toEqual({ em: 0, es: 1 - 8 / 26 });
    expect(scoreLine('', '')).toEqual({ em: 1, es: 1 });
    expect(scoreLine('', 'x')).toEqual({ em: 0, es: 0 });
    expect(firstLine('a;\nb;')).toBe('a;');
  });

  it('score@k of a configuration is computed over the sites with all n samples, and says how many', () => {
    const rec = (site: string, sample: number, em: number): EvalRecord =>
      ({ site, config: 'sample', sample, kind: 'line', em, es: em, compiles: true, nim: 0, ism: 0, pm: 0, latencyMs: 1, triggers: 0, degradedTriggers: 0 }) as unknown as EvalRecord;
    const records = [rec('a', 0, 1), rec('a', 1, 0), rec('a', 2, 0), rec('a', 3, 0), rec('b', 0, 0), rec('b', 1, 0), rec('b', 2, 0), rec('b', 3, 1), rec('c', 0, 1)];
    const [s] = summarize(records, 4);
    expect(s!.sites).toBe(3);
    expect(s!.complete).toBe(2);
    expect(s!.n).toBe(4);
    // a and b each have one hit in four: EM@1 = 25 %, EM@4 = 100 % — the interrupted c is left out, not turning @4 into @1.
    expect(s!.atK.em![0]).toBeCloseTo(25);
    expect(s!.atK.em![3]).toBeCloseTo(100);
  });
});

describe('suffix-aware left-to-right stop (pure)', () => {
  it('ends where the generation, its own brackets closed, writes the rest of the cursor’s line', () => {
    // foo(|);
    expect(suffixStopIndex('a, b);\n', ');', 'typescript')).toBe(4);
    expect(suffixStopIndex('bar(1)', ');', 'typescript')).toBeUndefined(); // bar( is still open at its `)`
    expect(suffixStopIndex('bar(1));', ');', 'typescript')).toBe(6);
    expect(suffixStopIndex('x + 1 ;', ';', 'typescript')).toBe(5);
    // A finished line that ends with the start of the rest: `a)` + newline before `) {`.
    expect(suffixStopIndex('a)\n', ') {', 'typescript')).toBe(1);
    // Nothing after the cursor on its line: nothing to stop at there.
    expect(suffixStopIndex('a, b);', '\n  return x;', 'typescript')).toBeUndefined();
  });

  it('never writes again the next line after the cursor', () => {
    const suffix = '\n\n  return total;\n}\n';
    expect(suffixStopIndex('const total = 1;\n  return total;\n', suffix, 'typescript')).toBe('const total = 1;'.length);
    expect(suffixStopIndex('const total = 1;\n  return tot', suffix, 'typescript')).toBeUndefined(); // not finished yet
    expect(suffixStopIndex('const total = 1;\n  return total + 1;\n', suffix, 'typescript')).toBeUndefined();
    expect(suffixStopIndex('total = 1\n    return total\n', '\n    return total\n', 'python')).toBe('total = 1'.length);
  });
});

describe('report rendering (pure)', () => {
  it('keeps configurations with equal scores visible: own marker shape, own offset', () => {
    const same = { task: 'monitor' as const, sites: 2, n: 2, complete: 2, atK: { cr: [50, 75] }, meanLatencyMs: 1, triggers: 0, degradedTriggers: 0, timeouts: 0 };
    const svg = svgPlot([{ ...same, config: 'greedy' }, { ...same, config: 'greedy+mgd' }], 'cr');
    expect(svg.match(/<circle /g)).toHaveLength(2); // the first configuration's two points
    expect(svg.match(/<rect /g)).toHaveLength(2); // the second's, as squares
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    const squares = [...svg.matchAll(/<rect x="([\d.]+)" [^>]*width="(\d+)"/g)].map((m) => Number(m[1]) + Number(m[2]) / 2);
    expect(squares[0]).not.toBeCloseTo(xs[0]!, 0);
  });

  it('shows a generation as a word diff against the target', () => {
    expect(diffHtml('this.items.add(name);', 'this.items.set(name, qty);')).toBe('this.items.<ins>add</ins><del>set</del>(name<del>, qty</del>);');
    expect(diffHtml('a <b>', 'a <b>')).toBe('a &lt;b&gt;');
  });
});
