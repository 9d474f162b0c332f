import { closersNeeded } from '../lang/dereference.js';
import type { Language } from '../lang/language.js';

/**
 * Where a left-to-right generation starts writing again what already follows the cursor — the characters to
 * keep, or undefined to go on. This is how a left-to-right completion uses the suffix: only to stop, never as
 * model input (the FIM policy's alternative).
 *
 * - The rest of the cursor's line (`foo(|);` → `);`): the generation ends where, with its own brackets
 *   balanced, it writes that text (`a, b);` keeps `a, b`); a finished first line that ends with the start of
 *   that text (`a, b)` + newline, the line's rest `);`) drops that part too.
 * - The next non-blank line after the cursor's line: a generated line equal to it (trimmed) is not written;
 *   the generation ends before its line break.
 */
export function suffixStopIndex(text: string, suffix: string, language: Language | undefined): number | undefined {
  return suffixStop(suffix, language)(text);
}

/** `suffixStopIndex` for one suffix, read once (a completion calls it after every token; the suffix may be a whole file). */
export function suffixStop(suffix: string, language: Language | undefined): (text: string) => number | undefined {
  const lineEnd = suffix.indexOf('\n');
  const rest = (lineEnd === -1 ? suffix : suffix.slice(0, lineEnd)).trim();
  let next: string | undefined;
  for (let start = lineEnd + 1; lineEnd !== -1 && start > 0 && start < suffix.length; ) {
    const end = suffix.indexOf('\n', start);
    const line = suffix.slice(start, end === -1 ? suffix.length : end).trim();
    if (line) {
      next = line;
      break;
    }
    start = end + 1;
  }
  return (text) => stopIndex(text, rest, next, language);
}

function stopIndex(text: string, rest: string, next: string | undefined, language: Language | undefined): number | undefined {
  let cut: number | undefined;
  const earliest = (c: number | undefined) => {
    if (c !== undefined && (cut === undefined || c < cut)) cut = c;
  };
  const firstBreak = text.indexOf('\n');
  const firstLine = firstBreak === -1 ? text : text.slice(0, firstBreak);
  if (rest) {
    for (let p = 0; p < firstLine.length; p++) {
      if (firstLine.startsWith(rest, p) && balanced(firstLine.slice(0, p), language)) {
        earliest(trimmedEnd(firstLine, p));
        break;
      }
    }
    if (cut === undefined && firstBreak !== -1) {
      const line = firstLine.trimEnd();
      for (let k = Math.min(rest.length - 1, line.length); k >= 1; k--) {
        if (line.endsWith(rest.slice(0, k)) && balanced(line.slice(0, line.length - k), language)) {
          earliest(trimmedEnd(line, line.length - k));
          break;
        }
      }
    }
  }
  if (next) {
    let start = firstBreak === -1 ? -1 : firstBreak + 1;
    while (start > 0) {
      const end = text.indexOf('\n', start);
      if (end === -1) break; // the line is not finished: it cannot be judged yet
      if (text.slice(start, end).trim() === next) {
        earliest(start - 1);
        break;
      }
      start = end + 1;
    }
  }
  return cut;
}

/** No bracket the generation opened is still open. */
function balanced(text: string, language: Language | undefined): boolean {
  return closersNeeded(text, language) === '';
}

/** `p`, moved back over the spaces before it (`a, b );` keeps `a, b`). */
function trimmedEnd(line: string, p: number): number {
  while (p > 0 && (line[p - 1] === ' ' || line[p - 1] === '\t')) p--;
  return p;
}
