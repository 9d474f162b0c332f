import type { Language } from './language.js';
import { Kind } from './lexical.js';

/** An unclosed bracket: where it is and which. */
export interface OpenBracket {
  readonly offset: number;
  readonly char: '(' | '[' | '{';
}

const OPENERS: Record<string, OpenBracket['char']> = { ')': '(', ']': '[', '}': '{' };

/**
 * The innermost bracket still open at `end` (in code, by `kinds`), looking at most `limit` characters back;
 * undefined when none is open in that window.
 */
export function innermostOpen(text: string, kinds: Uint8Array, end = text.length, limit = 4000): OpenBracket | undefined {
  const stop = Math.max(0, end - limit);
  const closed: string[] = [];
  for (let i = end - 1; i >= stop; i--) {
    if (kinds[i] !== Kind.Code) continue;
    const ch = text[i]!;
    if (ch in OPENERS) closed.push(OPENERS[ch]!);
    else if (ch === '(' || ch === '[' || ch === '{') {
      if (closed.length === 0) return { offset: i, char: ch };
      closed.pop();
    }
  }
  return undefined;
}

/** The arguments written so far in the call whose `(` is at `open`, up to `end`. */
export interface CallArguments {
  /** Arguments begun: top-level commas plus one when the last one has text (0 for `f(`). */
  readonly count: number;
  /** The text of the argument being written (after the last top-level comma). */
  readonly current: string;
  /** A spread (`...xs`, Python `*xs` / `**kw`) makes the count unknowable. */
  readonly spread: boolean;
}

export function callArguments(text: string, kinds: Uint8Array, open: number, end = text.length, language?: Language): CallArguments {
  const starts = argumentStarts(text, kinds, open, end);
  const current = text.slice(starts[starts.length - 1], end);
  const spread = starts.some((start) => {
    const head = text.slice(start, end).trimStart();
    return language === 'python' ? head.startsWith('*') : head.startsWith('...');
  });
  return { count: starts.length - 1 + (current.trim() === '' ? 0 : 1), current, spread };
}

/** Where each top-level argument of the call at `open` begins: right after `(` and after each comma. */
function argumentStarts(text: string, kinds: Uint8Array, open: number, end: number): number[] {
  const starts = [open + 1];
  let depth = 0;
  for (let i = open + 1; i < end; i++) {
    if (kinds[i] !== Kind.Code) continue;
    const ch = text[i]!;
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (depth === 0 && ch === ',') starts.push(i + 1);
  }
  return starts;
}

const TS_NOT_CALLEES = new Set(['if', 'for', 'while', 'switch', 'catch', 'function', 'return', 'typeof', 'await', 'yield', 'in', 'of', 'new', 'void', 'delete', 'case', 'throw', 'else', 'do', 'instanceof', 'as', 'satisfies', 'super']);
const PY_NOT_CALLEES = new Set(['if', 'elif', 'while', 'for', 'in', 'not', 'and', 'or', 'return', 'assert', 'lambda', 'yield', 'await', 'del', 'with', 'except', 'is', 'else', 'import', 'from', 'raise']);
const DECLARING = /(?:\bfunction\s*\*?|\bdef|\bclass|\bconstructor|\bget|\bset)\s*[\p{L}_$][\p{L}\p{N}_$]*\s*(?:<[^()]*>)?\s*$/u;

/** The callee of the call whose `(` is at `open`: its name and whether it is a member (`obj.name(`), or undefined when the paren is not a call (grouping, `if (`, a declaration). */
export function calleeAt(text: string, open: number, language: Language): { readonly name: string; readonly member: boolean } | undefined {
  let end = open;
  while (end > 0 && /[ \t]/.test(text[end - 1]!)) end--;
  if (language !== 'python' && text.slice(end - 2, end) === '?.') end -= 2;
  if (language !== 'python' && text[end - 1] === '>') {
    // Generic call `f<T>(`: skip the type arguments (balanced angle brackets on the same line).
    let depth = 0;
    let i = end - 1;
    for (; i >= 0 && text[i] !== '\n'; i--) {
      if (text[i] === '>') depth++;
      else if (text[i] === '<' && --depth === 0) break;
    }
    if (i < 0 || text[i] !== '<') return undefined;
    end = i;
  }
  let start = end;
  while (start > 0 && /[\p{L}\p{N}_$]/u.test(text[start - 1]!)) start--;
  const name = text.slice(start, end);
  if (name === '') return /[)\]]/.test(text[end - 1] ?? '') ? { name: '', member: false } : undefined;
  if (/^\p{N}/u.test(name)) return undefined;
  if ((language === 'python' ? PY_NOT_CALLEES : TS_NOT_CALLEES).has(name)) return undefined;
  if (DECLARING.test(text.slice(Math.max(0, start - 40), end))) return undefined;
  let before = start;
  while (before > 0 && /\s/.test(text[before - 1]!)) before--;
  const member = text[before - 1] === '.';
  // A method declared in a class body (`  name(a: T) {`) is not a call; a call is an expression after
  // something other than the start of a member line. Only members and calls inside expressions are judged.
  return { name, member };
}

/** The string literal the end of `text` is inside (single-line `'…'` / `"…"`, no template, no prefix, no escape). */
export interface OpenString {
  /** Offset of the opening quote. */
  readonly quoteAt: number;
  readonly quote: '"' | "'";
  /** The contents written so far. */
  readonly content: string;
}

export function openStringAtEnd(text: string, kinds: Uint8Array, language: Language): OpenString | undefined {
  const end = text.length;
  if (end === 0 || kinds[end - 1] !== Kind.String) return undefined;
  let start = end - 1;
  while (start > 0 && kinds[start - 1] === Kind.String && text[start - 1] !== '\n') start--;
  const quote = text[start];
  if (quote !== '"' && quote !== "'") return undefined;
  // The string run may hold earlier, closed strings glued to this one (`'a''b`): find this string's opening.
  let open = start;
  for (let i = start + 1; i < end; i++) {
    if (text[i] === '\\') return undefined;
    if (text[i] === text[open]) {
      // a closing quote; the next quote in the run opens a new string
      let j = i + 1;
      while (j < end && text[j] !== '"' && text[j] !== "'") j++;
      if (j >= end) return undefined; // closed, nothing open after it
      open = j;
      i = j;
    }
  }
  const q = text[open] as '"' | "'";
  if (language === 'python') {
    if (text.startsWith(q.repeat(3), open) || (open >= 2 && text.slice(open - 2, open) === q.repeat(2))) return undefined;
    if (/[A-Za-z]$/.test(text.slice(0, open))) return undefined; // f'', r'', b'' prefixes
  }
  const content = text.slice(open + 1, end);
  if (content.includes(q) || content.includes('\n')) return undefined;
  return { quoteAt: open, quote: q, content };
}
