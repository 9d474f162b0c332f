import { Kind } from '../../lang/lexical.js';
import { inCode, isIdentifierChar, restOfDocument, type CharMonitor, type WordMonitor } from '../monitor.js';

const NEW_SLOT = /(?:^|[^\p{L}\p{N}_$.])new\s+([\p{L}_$][\p{L}\p{N}_$]*)?$/u;
const NEW_CALL = /(?:^|[^\p{L}\p{N}_$.])new\s+[\p{L}_$][\p{L}\p{N}_$.]*\s*(?:<[^()]*>)?\s*$/u;

/**
 * `new` (the MGD paper's instantiation monitor), TS/JS, part 1: the name after `new` must be something that
 * may be constructed — a class, a value whose name is capitalized (lib constructors such as `Map` are variables
 * in tsgo's answers) or a namespace to go on from (`new ns.Class`) — never an interface, a type alias, an enum
 * or a function.
 */
export const newMonitor: WordMonitor = {
  kind: 'new',
  shape: 'word',
  languages: ['typescript', 'javascript'],
  slot({ text, kinds }) {
    const m = NEW_SLOT.exec(text.slice(-200));
    if (!m) return undefined;
    const prefix = m[1] ?? '';
    const anchor = text.length - prefix.length;
    const at = text.lastIndexOf('new', anchor);
    if (kinds[at] !== Kind.Code) return undefined;
    return { anchor, prefix, required: true };
  },
  startsWord: isIdentifierChar,
  async ask(analysis, { before, after }, signal) {
    const items = await analysis.completions(before, restOfDocument(after), signal);
    return items
      .filter((i) => i.kind === 'class' || ((i.kind === 'variable' || i.kind === 'constant') && /^[A-Z]/.test(i.name)) || i.kind === 'module')
      .map((i) => i.name);
  },
};

/**
 * `new`, part 2: the `(` after `new Name` only if `Name` has a construct signature — which an abstract class,
 * a function or a plain object (`Math`) lacks — unless it is untyped (`any`). Signature help and hover over
 * one document.
 */
export const constructibleMonitor: CharMonitor<boolean> = inCode({
  kind: 'new',
  shape: 'char',
  languages: ['typescript', 'javascript'],
  chars: '(',
  question: 'constructible',
  check(scan) {
    if (!NEW_CALL.test(scan.text.slice(-200))) return undefined;
    return { anchor: scan.text.length, legal: (constructible) => constructible };
  },
  async ask(analysis, { before, after }, signal) {
    const rest = `)${restOfDocument(after)}`;
    const type = await analysis.typeAt(before, `(${rest}`, signal);
    if (type !== undefined && /^(\(alias\) )?function\b/.test(type.trim())) return false;
    if ((await analysis.signatures(`${before}(`, rest, signal)).length > 0) return true;
    if (type === undefined || type.trim() === '') return undefined;
    return /\bany\b/.test(type);
  },
  size: () => 1,
});
