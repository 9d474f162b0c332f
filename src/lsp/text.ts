import type { Position, Range, TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';

/** LSP position (line, UTF-16 character) of `offset` in `text`. */
export function positionAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

/** Offset of a 0-based line and character; undefined when outside the text. */
export function offsetAt(text: string, line: number, character: number): number | undefined {
  if (line < 0 || character < 0) return undefined;
  let start = 0;
  for (let l = 0; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return undefined;
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  const lineEnd = end === -1 ? text.length : end;
  return start + character <= lineEnd ? start + character : undefined;
}

/**
 * The smallest single-range edit that turns `before` into `after` (common prefix and suffix kept), as an
 * incremental `didChange` event; undefined when the texts are equal.
 */
export function diffChange(before: string, after: string): TextDocumentContentChangeEvent | undefined {
  if (before === after) return undefined;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  // Never split a surrogate pair: positions are UTF-16 units, but a half pair is not text.
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
  if (endBefore < before.length && isLowSurrogate(before.charCodeAt(endBefore))) {
    endBefore++;
    endAfter++;
  }
  const range: Range = { start: positionAt(before, start), end: positionAt(before, endBefore) };
  return { range, text: after.slice(start, endAfter) };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Applies incremental or full change events to `text` (used to check what a server must now see). */
export function applyChanges(text: string, changes: readonly TextDocumentContentChangeEvent[]): string {
  for (const change of changes) {
    if (!('range' in change) || !change.range) {
      text = change.text;
      continue;
    }
    const start = offsetAt(text, change.range.start.line, change.range.start.character)!;
    const end = offsetAt(text, change.range.end.line, change.range.end.character)!;
    text = text.slice(0, start) + change.text + text.slice(end);
  }
  return text;
}
