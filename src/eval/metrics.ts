import type { Language } from '../lang/language.js';

/** A lexer token: enough of TS/JS and Python to compare code the way the MGD metrics do. */
export interface LexToken {
  readonly text: string;
  readonly kind: 'identifier' | 'keyword' | 'number' | 'string' | 'punct';
}

const KEYWORDS: Record<'braces' | 'python', ReadonlySet<string>> = {
  braces: new Set(
    'break case catch class const continue debugger default delete do else export extends finally for function if import in instanceof new return super switch this throw try typeof var void while with yield let static enum await implements package protected interface private public as async of get set type readonly declare abstract keyof infer is namespace null true false undefined'.split(' '),
  ),
  python: new Set(
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case self'.split(' '),
  ),
};

const PUNCT = ['===', '!==', '**=', '...', '>>>', '<<=', '>>=', '?.', '??', '=>', '==', '!=', '<=', '>=', '&&', '||', '++', '--', '+=', '-=', '*=', '/=', '%=', '**', '//', '->', ':=', '<<', '>>'];

/** Splits code into tokens; whitespace and comments are dropped, a string literal is one token. */
export function lex(code: string, language: Language | undefined): LexToken[] {
  const python = language === 'python';
  const keywords = KEYWORDS[python ? 'python' : 'braces'];
  const out: LexToken[] = [];
  let i = 0;
  while (i < code.length) {
    const ch = code[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (python ? ch === '#' : code.startsWith('//', i)) {
      const nl = code.indexOf('\n', i);
      i = nl === -1 ? code.length : nl;
      continue;
    }
    if (!python && code.startsWith('/*', i)) {
      const end = code.indexOf('*/', i + 2);
      i = end === -1 ? code.length : end + 2;
      continue;
    }
    const quote = python && /^[rbfuRBFU]{0,2}("""|'''|"|')/.exec(code.slice(i, i + 5));
    if (ch === '"' || ch === "'" || ch === '`' || quote) {
      const lead = quote ? quote[0].length - quote[1]!.length : 0;
      const q = quote ? quote[1]! : ch;
      let j = i + lead + q.length;
      while (j < code.length && !code.startsWith(q, j)) j += code[j] === '\\' ? 2 : 1;
      j = Math.min(code.length, j + q.length);
      out.push({ text: code.slice(i, j), kind: 'string' });
      i = j;
      continue;
    }
    const num = /^(?:0[xXbBoO][\da-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?n?|\.\d+)/.exec(code.slice(i, i + 64));
    if (num && /[\d.]/.test(ch)) {
      out.push({ text: num[0], kind: 'number' });
      i += num[0].length;
      continue;
    }
    const id = /^[\p{L}_$][\p{L}\p{N}_$]*/u.exec(code.slice(i, i + 256));
    if (id) {
      const text = python ? id[0].replace(/\$.*/, '') || id[0] : id[0];
      out.push({ text, kind: keywords.has(text) ? 'keyword' : 'identifier' });
      i += text.length;
      continue;
    }
    const op = PUNCT.find((p) => code.startsWith(p, i)) ?? ch;
    out.push({ text: op, kind: 'punct' });
    i += op.length;
  }
  return out;
}

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The MGD paper's per-generation scores against the ground truth (the rest of the method). */
export interface GenerationScores {
  /** Next-identifier match: the first identifier of the generation equals the target's. */
  readonly nim: number;
  /** Identifier-sequence match: longest common prefix of the identifier sequences ÷ the target's identifiers. */
  readonly ism: number;
  /** Prefix match: the same over all non-whitespace lexer tokens. */
  readonly pm: number;
}

export function scoreGeneration(generation: string, target: string, language: Language | undefined): GenerationScores {
  const g = lex(generation, language);
  const t = lex(target, language);
  const ids = (xs: LexToken[]) => xs.filter((x) => x.kind === 'identifier').map((x) => x.text);
  const gi = ids(g);
  const ti = ids(t);
  const firstId = (s: string) => /^[\p{L}\p{N}_$]*/u.exec(s)![0];
  return {
    nim: firstId(generation) !== '' && firstId(generation) === firstId(target) ? 1 : 0,
    ism: ti.length ? commonPrefix(gi, ti) / ti.length : 0,
    pm: t.length ? commonPrefix(g.map((x) => x.text), t.map((x) => x.text)) / t.length : 0,
  };
}

function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/**
 * score@k with the unbiased estimator of the MGD (and Codex pass@k) papers: the expected best score among k
 * of the n samples, `Σ_{i=1}^{n−k+1} v_i · C(n−i, k−1) / C(n, k)` with v sorted in decreasing order.
 */
export function scoreAtK(values: readonly number[], k: number): number {
  const n = values.length;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k must be in 1..${n}, got ${k}`);
  const v = [...values].sort((a, b) => b - a);
  const total = choose(n, k);
  let s = 0;
  for (let i = 1; i <= n - k + 1; i++) s += (v[i - 1]! * choose(n - i, k - 1)) / total;
  return s;
}

/** The first line of a completion: what an editor's line completion shows and what the line task scores. */
export function firstLine(completion: string): string {
  const nl = completion.indexOf('\n');
  return nl === -1 ? completion : completion.slice(0, nl);
}

/** Levenshtein distance (insert, delete, substitute: 1 each) over UTF-16 code units, in O(|b|) memory. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** The line task's scores (CrossCodeEval / RepoBench): the predicted line against the target line, both trimmed. */
export interface LineScores {
  /** Exact match: 1 when the lines are equal. */
  readonly em: number;
  /** Edit similarity: 1 − editDistance ÷ the longer line's length (1 for two empty lines). */
  readonly es: number;
}

export function scoreLine(predicted: string, target: string): LineScores {
  const p = predicted.trim();
  const t = target.trim();
  const longer = Math.max(p.length, t.length);
  return { em: p === t ? 1 : 0, es: longer === 0 ? 1 : 1 - editDistance(p, t) / longer };
}
