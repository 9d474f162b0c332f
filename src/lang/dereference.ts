import type { Language } from './language.js';
import { classify, Kind } from './lexical.js';

/** A member-access point: `expr.` or `expr?.` with an optional partial identifier typed after it. */
export interface Dereference {
  /** Offset of the `.`. */
  readonly dot: number;
  /** Offset right after the `.` (where members start). */
  readonly memberStart: number;
  /** Identifier characters between the dot and the cursor (`ge` in `obj.ge|`). */
  readonly prefix: string;
  /** The expression word right before the dot when it is a plain identifier (`self`, `obj`), else ''. */
  readonly receiver: string;
}

const ID_CHAR = /[\p{L}\p{N}_$]/u;
const PY_ID_CHAR = /[\p{L}\p{N}_]/u;
const ID_START = /^[\p{L}_$][\p{L}\p{N}_$]*$/u;

/** Whether `name` is an identifier that can follow a dot. */
export function isIdentifier(name: string, language: Language | undefined): boolean {
  return ID_START.test(name) && (language !== 'python' || !name.includes('$'));
}

/** Words after which a dot is not member access (`from . import x`, `import.meta` aside). */
const NOT_RECEIVERS = new Set(['from', 'import', 'return', 'yield', 'await', 'in', 'of', 'case', 'else', 'and', 'or', 'not', 'is']);

/**
 * The dereference the cursor at `offset` sits in, or undefined when it is not one (a dot inside a string,
 * comment or number, a relative import, a spread `...`). `text` is the document up to at least `offset`.
 */
export function findDereference(text: string, offset: number, language: Language | undefined): Dereference | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  const idChar = language === 'python' ? PY_ID_CHAR : ID_CHAR;
  let memberStart = offset;
  while (memberStart > 0 && idChar.test(text[memberStart - 1]!)) memberStart--;
  const prefix = text.slice(memberStart, offset);
  if (prefix && /^\p{N}/u.test(prefix)) return undefined; // `1.5`
  const dot = memberStart - 1;
  if (dot < 0 || text[dot] !== '.') return undefined;
  if (text[dot - 1] === '.') return undefined; // `...spread`, `..` ranges
  const kinds = classify(language, text.slice(0, offset));
  if (kinds[dot] !== Kind.Code) return undefined;
  // The expression before the dot: skip `?` of `?.` and whitespace (`items\n  .map`).
  let end = dot;
  if (language !== 'python' && text[end - 1] === '?') end--;
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  if (end === 0) return undefined;
  const last = text[end - 1]!;
  let receiver = '';
  if (idChar.test(last)) {
    let start = end;
    while (start > 0 && idChar.test(text[start - 1]!)) start--;
    const word = text.slice(start, end);
    if (/^\p{N}/u.test(word)) return undefined; // number literal: `1.`
    if (NOT_RECEIVERS.has(word)) return undefined;
    receiver = word;
  } else if (!')]!\'"`'.includes(last)) {
    return undefined; // an operator or punctuation: not an expression end
  }
  return { dot, memberStart, prefix, receiver };
}

/** End of the identifier that continues after `offset` (the rest of `obj.ge|tName`). */
export function identifierEnd(text: string, offset: number, language: Language | undefined): number {
  const idChar = language === 'python' ? PY_ID_CHAR : ID_CHAR;
  let end = offset;
  while (end < text.length && idChar.test(text[end]!)) end++;
  return end;
}

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * The brackets still open at the end of `text` (in code), as the closers that would balance them, innermost
 * first: `f(a, [b.` → `])`. Looks at most `window` characters back.
 */
export function closersNeeded(text: string, language: Language | undefined, window = 4000): string {
  const start = Math.max(0, text.length - window);
  const part = text.slice(start);
  const kinds = classify(language, part);
  const stack: string[] = [];
  for (let i = 0; i < part.length; i++) {
    if (kinds[i] !== Kind.Code) continue;
    const ch = part[i]!;
    if (ch in CLOSER) stack.push(CLOSER[ch]!);
    else if (ch === ')' || ch === ']' || ch === '}') {
      const at = stack.lastIndexOf(ch);
      if (at !== -1) stack.length = at;
    }
  }
  return stack.reverse().join('');
}
