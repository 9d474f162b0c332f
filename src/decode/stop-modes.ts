import type { Language } from '../lang/language.js';
import { classifyBraces, classifyPython, Kind } from '../lang/lexical.js';

/**
 * Editor-friendly ends of a completion:
 * - `line`: the end of the cursor's line (leading blank lines are skipped when the cursor line is empty);
 * - `statement`: the end of the statement the cursor is in (`;` or a line end that does not continue;
 *   Python: the logical line, or a whole compound statement);
 * - `block`: the close of the block enclosing the cursor (brace-balanced for TS/JS, dedent for Python).
 */
export type StopMode = 'line' | 'statement' | 'block';

export const STOP_MODES: readonly StopMode[] = ['line', 'statement', 'block'];

export interface StopContext {
  readonly language: Language | undefined;
  /** Text of the cursor's line before the cursor. */
  readonly lineBefore: string;
  /** Block mode: end before the closing bracket instead of after it (the text after the cursor closes the block). */
  readonly excludeClosing?: boolean;
  /**
   * Python block mode with the cursor on a blank line: the last code line before the cursor's line (neither
   * blank nor a comment). It tells the block's indentation: that line's, or — after a line ending in `:` —
   * deeper than it.
   */
  readonly previousLine?: string | undefined;
}

/** The last line of `prefix` before its cursor line that is neither blank nor a comment (for `previousLine`). */
export function previousCodeLine(prefix: string, maxLines = 200): string | undefined {
  let end = prefix.lastIndexOf('\n');
  for (let n = 0; end > 0 && n < maxLines; n++) {
    const start = prefix.lastIndexOf('\n', end - 1) + 1;
    const line = prefix.slice(start, end);
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) return line;
    end = start - 1;
  }
  return undefined;
}

const OPENERS = '([{';
const CLOSERS = ')]}';
const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
/** A line ending in one of these goes on on the next line. */
const CONTINUES_LINE = new Set([...',([{=+-*/%&|^!?:<>.~']);
const CONTINUES_STATEMENT = /^(?:\.|\?\.|\?|:|&&|\|\||\?\?|\+|-(?!-)|\*|\/(?![/*])|=(?!=)|else\b|catch\b|finally\b)/;

function lastNonSpace(s: string): string {
  const t = s.trimEnd();
  return t[t.length - 1] ?? '';
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function lineStop(context: StopContext, text: string): number | undefined {
  let content = context.lineBefore.trim() !== '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      if (content) return i;
    } else if (!isSpace(ch)) content = true;
  }
  return undefined;
}

function bracesStatementStop(context: StopContext, text: string): number | undefined {
  const kind = classifyBraces(text);
  let depth = 0;
  let content = context.lineBefore.trim() !== '';
  let last = lastNonSpace(context.lineBefore);
  let pendingNewline = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (pendingNewline >= 0 && !isSpace(ch)) {
      if (kind[i] === Kind.Code && CONTINUES_STATEMENT.test(text.slice(i, i + 8))) pendingNewline = -1;
      else if (kind[i] !== Kind.Comment) return pendingNewline;
    }
    if (kind[i] === Kind.Comment) continue;
    if (kind[i] === Kind.String) {
      content = true;
      last = ch;
      continue;
    }
    if (OPENERS.includes(ch)) depth++;
    else if (CLOSERS.includes(ch) && --depth < 0) return i;
    else if (ch === ';' && depth === 0) return i + 1;
    else if (ch === '\n' && depth === 0 && content && !CONTINUES_LINE.has(last) && pendingNewline < 0) {
      pendingNewline = i;
    }
    if (!isSpace(ch)) {
      content = true;
      last = ch;
    }
  }
  return undefined;
}

/** Index of the closer (in code) that closes `open` brackets open before `text` starts, or undefined. */
function closingIndex(text: string, open: number): number | undefined {
  const kind = classifyBraces(text);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (kind[i] !== Kind.Code) continue;
    const ch = text[i]!;
    if (OPENERS.includes(ch)) depth++;
    else if (CLOSERS.includes(ch) && --depth <= -open) return i;
  }
  return undefined;
}

function bracesBlockStop(context: StopContext, text: string): number | undefined {
  const closer = closingIndex(text, 1);
  return closer === undefined ? undefined : context.excludeClosing ? closer : closer + 1;
}

/**
 * Python: walks the logical lines of the generated text. `onLine(indent, start, newline)` is called for each
 * non-blank, non-comment line that starts after a logical line end (`newline` = index of that line end), and may
 * return a cut index. `onLogicalEnd(newline, lastChar)` is called at each logical line end.
 */
function walkPython(
  context: StopContext,
  text: string,
  onLine: (indent: number, start: number, newline: number) => number | undefined,
  onLogicalEnd: (newline: number, last: string) => number | undefined,
  /** Brackets already open at the cursor. */
  initialDepth = 0,
): number | undefined {
  const kind = classifyPython(text);
  let depth = initialDepth;
  let last = lastNonSpace(context.lineBefore);
  // Index of the logical line end whose next line has not shown its first character yet; -2 while the cursor
  // line is blank and its first character is still to come.
  let newline = context.lineBefore.trim() === '' ? -2 : -1;
  let col = context.lineBefore.length;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (newline !== -1) {
      if (ch === '\n') {
        col = 0;
        continue;
      }
      if (ch === ' ' || ch === '\t' || ch === '\r') {
        col++;
        continue;
      }
      if (kind[i] !== Kind.Comment) {
        const cut = onLine(col, i, newline);
        if (cut !== undefined) return cut;
        newline = -1;
      }
    }
    if (kind[i] !== Kind.Code) {
      if (kind[i] === Kind.String) last = ch;
      continue;
    }
    if (OPENERS.includes(ch)) depth++;
    else if (CLOSERS.includes(ch) && --depth < 0) return i;
    else if (ch === '\n' && depth === 0 && last !== '\\') {
      const cut = onLogicalEnd(i, last);
      if (cut !== undefined) return cut;
      newline = i;
      col = 0;
      continue;
    }
    if (!isSpace(ch)) last = ch;
  }
  return undefined;
}

function pythonBlockStop(context: StopContext, text: string): number | undefined {
  if (context.lineBefore.trim() !== '') {
    const indent = indentOf(context.lineBefore);
    return indent === 0 ? undefined : dedentIndex(context, text, indent); // a top-level cursor ends with the file
  }
  // Cursor on a blank line: the block's indentation is the previous code line's or, after a header (`…:`), the
  // first written line's, which must be deeper than the header's: a body ends at the first line indented less.
  const first = /^(?:[ \t]*\r?\n)*([ \t]*)\S/.exec(text);
  const previous = context.previousLine;
  const header = previous !== undefined && lastNonSpace(previous.replace(/#.*$/, '')) === ':';
  let indent: number;
  if (previous !== undefined && !header) indent = indentOf(previous);
  else if (!first) return undefined; // not known yet
  else if (header && first[1]!.length <= indentOf(previous!)) return 0; // no body: the first line is outside it
  else indent = first[1]!.length;
  if (first && first[1]!.length < indent) return 0; // the first line written is already outside the block
  if (indent === 0) return undefined; // a top-level cursor ends with the file
  return dedentIndex(context, text, indent);
}

/** Python: the line end before the first code line indented less than `indent` (brackets open: `openDepth`). */
function dedentIndex(context: StopContext, text: string, indent: number, openDepth = 0): number | undefined {
  return walkPython(
    context,
    text,
    (col, _start, newline) => (newline >= 0 && col < indent ? newline : undefined),
    () => undefined,
    openDepth,
  );
}

const PY_CONTINUATION = /^(?:elif|else|except|finally)\b/;

function pythonStatementStop(context: StopContext, text: string): number | undefined {
  let compoundIndent: number | undefined;
  let lineStart = indentOf(context.lineBefore);
  let content = context.lineBefore.trim() !== '';
  return walkPython(
    context,
    text,
    (col, start, newline) => {
      if (newline >= 0 && compoundIndent !== undefined && col <= compoundIndent && !(col === compoundIndent && PY_CONTINUATION.test(text.slice(start, start + 8)))) {
        return newline;
      }
      lineStart = col;
      content = true;
      return undefined;
    },
    (newline, last) => {
      const hadContent = content || text.slice(0, newline).trim() !== '';
      if (!hadContent) return undefined;
      if (last === ':' && compoundIndent === undefined) compoundIndent = lineStart;
      return compoundIndent === undefined ? newline : undefined;
    },
  );
}

/**
 * Where the completion `text` ends under `mode`: the number of its characters to keep, or undefined while the
 * end has not been written yet.
 */
export function stopModeIndex(mode: StopMode, context: StopContext, text: string): number | undefined {
  if (mode === 'line') return lineStop(context, text);
  const python = context.language === 'python';
  if (mode === 'statement') return python ? pythonStatementStop(context, text) : bracesStatementStop(context, text);
  return python ? pythonBlockStop(context, text) : bracesBlockStop(context, text);
}

/** Earliest end of any stop string in `text` (the stop string itself is cut off), or undefined. */
export function stopStringIndex(stops: readonly string[], text: string): number | undefined {
  let best: number | undefined;
  for (const s of stops) {
    if (!s) continue;
    const at = text.indexOf(s);
    if (at >= 0 && (best === undefined || at < best)) best = at;
  }
  return best;
}

/**
 * Where a function or method ends in generated `text`, given how the cursor sits in it: `openDepth` brackets
 * are open at the cursor. For brace languages (counting the body's own `{`) the end is the closer that closes
 * them all (kept); for Python the body is indented `bodyIndent`, and the end is the first code line indented
 * less (cut before its line break). `lineBefore` is the cursor line's text before the cursor.
 */
export function methodEndIndex(
  language: Language | undefined,
  text: string,
  at: { readonly openDepth: number; readonly bodyIndent: number; readonly lineBefore: string },
): number | undefined {
  if (language === 'python') return dedentIndex({ language, lineBefore: at.lineBefore }, text, at.bodyIndent, at.openDepth);
  const closer = closingIndex(text, at.openDepth);
  return closer === undefined ? undefined : closer + 1;
}
