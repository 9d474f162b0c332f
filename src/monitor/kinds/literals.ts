import { openStringAtEnd } from '../../lang/brackets.js';
import type { Analysis } from '../types.js';
import { restOfDocument, type WordMonitor } from '../monitor.js';
import { isModuleSpecifier } from './imports.js';

const LITERAL_KINDS = new Set(['constant', 'enummember', 'value']);
/** A parameter type that admits any string: then the offered literals are suggestions, not a closed set. */
const OPEN_STRING = /(^|[^'"\w])(string|str|String|LiteralString)([^'"\w]|$)/;

/**
 * Whether the string at the cursor is an argument whose parameter takes any string in some signature
 * (`addEventListener(type: string, …)`): then the offered literals are suggestions, not a closed set. Asked
 * over the same document as the completions (signature help inside the string).
 */
async function openParameter(analysis: Analysis, before: string, after: string, signal: AbortSignal): Promise<boolean> {
  const signatures = await analysis.signatures(before, after, signal);
  return signatures.some((s) => {
    const p = s.parameters[Math.min(s.activeParameter ?? 0, s.parameters.length - 1)];
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
  async ask(analysis, { before, after, slot }, signal) {
    const quote = slot.key!;
    const rest = quote + restOfDocument(after);
    const items = await analysis.completions(before, rest, signal);
    const literals = items.filter((i) => LITERAL_KINDS.has(i.kind)).map((i) => i.name.replace(/^(['"])(.*)\1$/s, '$2'));
    if (literals.length === 0 || literals.some((l) => l.includes(quote) || l.includes('\\'))) return undefined;
    if (await openParameter(analysis, before, rest, signal)) return undefined;
    return [...new Set(literals)].map((l) => l + quote);
  },
  chosen: (rest) => /^[^'"\n]*/.exec(rest)![0],
};
