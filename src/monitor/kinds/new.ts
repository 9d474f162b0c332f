import { Kind } from '../../lang/lexical.js';
import { isIdentifierChar, restOfDocument, type WordMonitor } from '../monitor.js';

const NEW_SLOT = /(?:^|[^\p{L}\p{N}_$.])new\s+([\p{L}_$][\p{L}\p{N}_$]*)?$/u;

/**
 * `new` (the MGD paper's instantiation monitor), TS/JS: the name after `new` must be something that can be
 * constructed — a class that is not abstract, a value whose name is capitalized (lib constructors such as
 * `Map` are variables in tsgo's answers) or a namespace to go on from (`new ns.Class`) — never an interface,
 * a type alias, an enum or a function.
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
    const items = await analysis.completions(before, restOfDocument(after), signal, (i) => i.kind === 'class');
    return items
      .filter((i) => (i.kind === 'class' && !/\babstract\b/.test(i.detail ?? '')) || ((i.kind === 'variable' || i.kind === 'constant') && /^[A-Z]/.test(i.name)) || i.kind === 'module')
      .map((i) => i.name);
  },
};
