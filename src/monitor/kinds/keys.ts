import { innermostOpen } from '../../lang/brackets.js';
import { closersNeeded } from '../../lang/dereference.js';
import { Kind } from '../../lang/lexical.js';
import { restOfDocument, type Scan, type WordMonitor } from '../monitor.js';

const KEY_KINDS = new Set(['property', 'field', 'method']);

/**
 * Whether the `{` at `open` starts an object literal (an expression), not a block, a type literal, a
 * destructuring pattern or an import/export list. Lexical: by what precedes it.
 */
export function isObjectLiteralBrace(text: string, kinds: Uint8Array, open: number): boolean {
  let p = open;
  while (p > 0 && /\s/.test(text[p - 1]!)) p--;
  const prev = text[p - 1];
  const lineStart = text.lastIndexOf('\n', open - 1) + 1;
  const line = text.slice(lineStart, open);
  if (prev === undefined) return false;
  if (kinds[p - 1] !== Kind.Code) return false;
  if ('(,[?|&!'.includes(prev)) return !/^\s*(?:export\s+)?(?:type|interface)\b/.test(line);
  if (prev === ':') {
    // `{ a: {` (a nested value) but not `(o: {` or `let x: {` (a type annotation)
    const outer = innermostOpen(text, kinds, p - 1);
    return outer?.char === '{' && isObjectLiteralBrace(text, kinds, outer.offset);
  }
  if (prev === '=') {
    if ('=!<>'.includes(text[p - 2] ?? '')) return false; // `=> {` is a block body; comparisons
    return !/\btype\s+[\p{L}_$][\p{L}\p{N}_$]*\s*(?:<.*>)?\s*$/u.test(text.slice(lineStart, p - 1)); // not `type X = {`
  }
  return /\breturn$|\byield$/.test(text.slice(Math.max(0, p - 6), p));
}

/** The key position the end of the text is at: after `{` or `,` of an object literal, with an identifier begun. */
export function keySlot({ text, kinds }: Scan): { anchor: number; prefix: string } | undefined {
  const end = text.length;
  let p = end;
  while (p > 0 && /[\p{L}\p{N}_$]/u.test(text[p - 1]!)) p--;
  if (p < end && (kinds[p] !== Kind.Code || /\p{N}/u.test(text[p]!))) return undefined;
  let q = p;
  while (q > 0 && /\s/.test(text[q - 1]!)) q--;
  const sep = text[q - 1];
  if ((sep !== '{' && sep !== ',') || kinds[q - 1] !== Kind.Code) return undefined;
  const open = innermostOpen(text, kinds, p);
  if (open?.char !== '{' || (sep === '{' && open.offset !== q - 1)) return undefined;
  if (!isObjectLiteralBrace(text, kinds, open.offset)) return undefined;
  return { anchor: p, prefix: text.slice(p) };
}

/**
 * Object-literal keys (TS/JS): a key written in an object literal whose contextual type the server knows
 * (`go({ me`, `const o: Options = {`) must be one of the type's properties not already given. The server's
 * completion there lists exactly those; where it lists anything else (no contextual type) the key is free.
 */
export const objectKeyMonitor: WordMonitor = {
  kind: 'keys',
  shape: 'word',
  languages: ['typescript', 'javascript'],
  slot(scan) {
    const s = keySlot(scan);
    return s && { ...s, required: false };
  },
  startsWord: (ch) => /[\p{L}_$]/u.test(ch),
  async ask(analysis, { before, after }, signal) {
    const items = await analysis.completions(before, closersNeeded(before, 'typescript') + restOfDocument(after), signal);
    if (items.length === 0 || items.some((i) => !KEY_KINDS.has(i.kind))) return undefined;
    return items.map((i) => i.name);
  },
};
