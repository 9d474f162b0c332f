import { calleeAt, callArguments, innermostOpen, openStringAtEnd } from '../../lang/brackets.js';
import { classify } from '../../lang/lexical.js';
import type { Language } from '../../lang/language.js';
import type { Analysis } from '../types.js';
import { restOfDocument, type WordMonitor } from '../monitor.js';
import { isModuleSpecifier } from './imports.js';

const LITERAL_KINDS = new Set(['constant', 'enummember', 'value']);
/** A parameter type that admits any string: then the offered literals are suggestions, not a closed set. */
const OPEN_STRING = /(^|[^'"\w])(string|str|String|LiteralString)([^'"\w]|$)/;

/**
 * Whether the string whose opening quote ends `before` is an argument of a call whose parameter there takes
 * any string in some signature (`addEventListener(type: string, …)`): then the union is not closed.
 */
async function openParameter(analysis: Analysis, before: string, after: string, language: Language, signal: AbortSignal): Promise<boolean> {
  const head = before.slice(0, -1);
  const kinds = classify(language, head);
  const open = innermostOpen(head, kinds);
  if (open?.char !== '(' || !calleeAt(head, open.offset, language)) return false;
  const args = callArguments(head, kinds, open.offset, head.length, language);
  if (args.current.trim() !== '' || args.spread) return false;
  const signatures = await analysis.signatures(head.slice(0, open.offset + 1), `)${after}`, signal);
  return signatures.some((s) => {
    const p = s.parameters[Math.min(args.count, s.parameters.length - 1)];
    return p !== undefined && (p.type === '' || OPEN_STRING.test(p.type));
  });
}

/**
 * String-literal unions: inside a string whose contextual type is a closed union of literals
 * (`on('`, `case '` over a union, `method: '`), the contents must be one of the literals the server offers,
 * then the closing quote. A string where the server offers no literal, or a call argument whose parameter also
 * takes any string, stays free. TS/JS (tsgo) and Python (pyright: `Literal[…]`).
 */
export const stringLiteralMonitor: WordMonitor = {
  kind: 'literals',
  shape: 'word',
  languages: ['typescript', 'javascript', 'python'],
  slot({ text, kinds, language }) {
    const s = openStringAtEnd(text, kinds, language);
    if (!s || isModuleSpecifier(text, s.quoteAt, language)) return undefined;
    return { anchor: s.quoteAt + 1, prefix: s.content, required: true, key: s.quote };
  },
  startsWord: () => true,
  async ask(analysis, { before, after, slot, language }, signal) {
    const quote = slot.key!;
    const items = await analysis.completions(before, quote + restOfDocument(after), signal);
    const literals = items.filter((i) => LITERAL_KINDS.has(i.kind)).map((i) => i.name.replace(/^(['"])(.*)\1$/s, '$2'));
    if (literals.length === 0 || literals.some((l) => l.includes(quote) || l.includes('\\'))) return undefined;
    if (await openParameter(analysis, before, restOfDocument(after), language, signal)) return undefined;
    return [...new Set(literals)].map((l) => l + quote);
  },
  chosen: (rest) => /^[^'"\n]*/.exec(rest)![0],
};
