import { Kind, classify } from '../lang/lexical.js';
import type { Language } from '../lang/language.js';

/** A cursor of the line-completion task: inside a method, at a line's indentation or mid-line. */
export interface LineSite {
  readonly cursor: number;
  /** Where on its line: after the indentation (the whole line is the target) or inside the line's code. */
  readonly position: 'indent' | 'mid';
  /** The rest of the line after the cursor (trailing spaces removed). */
  readonly target: string;
}

/** Characters after which a mid-line cursor may sit: where an editor's user pauses (after a dot, a bracket, an operator, a space). */
const MID_AFTER = new Set(['.', '(', '[', '{', ',', ' ', '=', ':']);

/**
 * The line task's cursors inside `[bodyStart, end)` of `text`: for every line of code wholly inside the body
 * (not a comment, not inside a string, with an identifier or a number in it), one cursor at its indentation and
 * one mid-line (after a dot, a bracket, a comma, an operator or a space; chosen with `random`) whose rest holds
 * an identifier or a number. No cursor is inside a comment or a string.
 */
export function lineSites(text: string, language: Language, body: { readonly bodyStart: number; readonly end: number }, random: () => number, kinds: Uint8Array = classify(language, text)): LineSite[] {
  const out: LineSite[] = [];
  let start = text.indexOf('\n', body.bodyStart - 1) + 1; // the first line starting inside the body
  if (start === 0) return out;
  while (start < body.end) {
    const nl = text.indexOf('\n', start);
    const lineEnd = nl === -1 ? text.length : nl;
    if (lineEnd > body.end) break; // the body's last line (its closer) is not wholly inside
    const content = start + /^[ \t]*/.exec(text.slice(start, lineEnd))![0].length;
    const end = start + text.slice(start, lineEnd).trimEnd().length;
    const worth = (from: number) => /[\p{L}\p{N}_$]/u.test(text.slice(from, end));
    const code = (i: number) => kinds[i] === Kind.Code;
    // A line that starts in code and is not a comment (a string that goes on from the line before starts in a string).
    if (content < end && code(content) && !isComment(text, content, language) && worth(content)) {
      out.push({ cursor: content, position: 'indent', target: text.slice(content, end) });
      const mids: number[] = [];
      for (let p = content + 1; p < end; p++) {
        if (code(p) && code(p - 1) && MID_AFTER.has(text[p - 1]!) && text[p] !== ' ' && !splitsOperator(text[p - 1]!, text[p]!) && worth(p)) mids.push(p);
      }
      if (mids.length) {
        const p = mids[Math.floor(random() * mids.length)]!;
        out.push({ cursor: p, position: 'mid', target: text.slice(p, end) });
      }
    }
    if (nl === -1) break;
    start = nl + 1;
  }
  return out;
}

/** A cursor between `a` and `b` would cut an operator (`...`, `=>`, `==`, `::`, `?.`). */
function splitsOperator(a: string, b: string): boolean {
  return (a === '.' || a === '=' || a === ':') && /[.=>:]/.test(b);
}

function isComment(text: string, at: number, language: Language): boolean {
  return language === 'python' ? text[at] === '#' : text.startsWith('//', at) || text.startsWith('/*', at) || text.startsWith('*', at);
}
