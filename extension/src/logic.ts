/**
 * The provider's decisions, pure (no `vscode`, no IO): which completion mode fits the cursor, what of a
 * completion to show given the text after the cursor, the cache of shown suggestions, and the debounce. The
 * lexing comes from the engine's own modules (bundled in).
 */
import { previousCodeLine } from '../../src/decode/stop-modes.js';
import { classify, Kind } from '../../src/lang/lexical.js';

export type LanguageKind = 'braces' | 'python';

export function languageKind(languageId: string): LanguageKind | undefined {
  if (['typescript', 'typescriptreact', 'javascript', 'javascriptreact'].includes(languageId)) return 'braces';
  if (languageId === 'python') return 'python';
  return undefined;
}

/** Depth of unclosed `{` (TS/JS) before the end of `text`: braces in code only, not in strings or comments. */
function braceDepth(text: string): number {
  const kinds = classify('typescript', text);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (kinds[i] !== Kind.Code) continue;
    if (text[i] === '{') depth++;
    else if (text[i] === '}') depth = Math.max(0, depth - 1);
  }
  return depth;
}

/**
 * `block` (multi-line) when the cursor is on an empty line inside a block — TS/JS: inside unclosed braces;
 * Python: below a line ending in `:` or an indented line — and `line` (single line) everywhere else.
 */
export function completionMode(kind: LanguageKind, textBefore: string): 'line' | 'block' {
  const lineStart = textBefore.lastIndexOf('\n') + 1;
  if (textBefore.slice(lineStart).trim() !== '') return 'line';
  if (kind === 'braces') return braceDepth(textBefore) > 0 ? 'block' : 'line';
  const previous = previousCodeLine(textBefore);
  if (previous === undefined) return 'line';
  return previous.trimEnd().endsWith(':') || /^\s+\S/.test(previous) ? 'block' : 'line';
}

const CLOSERS = new Set([...')]}\'"`;,']);
const OPENER: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

const count = (text: string, c: string) => text.split(c).length - 1;

/** Whether the body of a completion leaves nothing for these closers to close (so they belong to the line). */
function notNeeded(body: string, tail: string): boolean {
  for (const c of new Set(tail)) {
    const open = OPENER[c];
    if (open && count(body, open) > count(body, c)) return false;
    if ((c === "'" || c === '"' || c === '`') && count(body, c) % 2 === 1) return false;
  }
  return true;
}

/**
 * The completion without the closing characters that already follow the cursor: with `)` after the cursor,
 * `"hi")` becomes `"hi"`, so accepting it does not leave `))`; `f(x)` stays as it is, since its `)` closes its
 * own `(`. Only a run of closers (brackets, quotes, `;`, `,`) at the end of a single-line completion is
 * trimmed, and only as far as the rest of the line repeats it.
 */
export function trimClosers(completion: string, restOfLine: string): string {
  const rest = restOfLine.trimStart();
  if (rest === '' || completion.includes('\n')) return completion;
  let cut = completion.length;
  for (let n = 1; n <= completion.length; n++) {
    const tail = completion.slice(-n);
    if (!CLOSERS.has(tail[0]!)) break;
    const body = completion.slice(0, -n);
    if (rest.startsWith(tail) && notNeeded(body, tail)) cut = completion.length - n;
  }
  return completion.slice(0, cut);
}

interface Shown {
  /** Document text before the cursor when the suggestion was made. */
  readonly before: string;
  /** Text after the cursor then. */
  readonly after: string;
  readonly suggestion: string;
}

/**
 * Suggestions shown recently, so that typing the characters of a shown suggestion keeps it (what remains of
 * it) without a new request. Keyed by the whole text around the cursor: any other edit misses.
 */
export class SuggestionCache {
  private readonly entries: Shown[] = [];

  constructor(private readonly size = 16) {}

  remember(before: string, after: string, suggestion: string): void {
    if (suggestion === '') return;
    this.entries.unshift({ before, after, suggestion });
    this.entries.length = Math.min(this.entries.length, this.size);
  }

  /** What remains of a suggestion the user is typing through, or undefined. */
  lookup(before: string, after: string): string | undefined {
    for (const e of this.entries) {
      if (e.after !== after || !before.startsWith(e.before)) continue;
      const typed = before.slice(e.before.length);
      if (typed.length < e.suggestion.length && e.suggestion.startsWith(typed)) return e.suggestion.slice(typed.length);
    }
    return undefined;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

/** Waits `ms`, unless cancelled first: resolves true when the wait completed, false when cancelled. */
export function debounce(ms: number, cancelled: { readonly isCancellationRequested: boolean; onCancellationRequested(listener: () => void): { dispose(): void } }): Promise<boolean> {
  if (cancelled.isCancellationRequested) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(!cancelled.isCancellationRequested);
    }, ms);
    const sub = cancelled.onCancellationRequested(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve(false);
    });
  });
}
