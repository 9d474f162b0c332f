import { calleeAt, callArguments, innermostOpen } from '../../lang/brackets.js';
import { classify, Kind } from '../../lang/lexical.js';
import { restOfDocument, type CharMonitor, type Scan } from '../monitor.js';
import type { SignatureInfo } from '../types.js';

/**
 * Whether a character written at the end of the scanned text is code (a bracket or comma is syntax there, not
 * part of a string or comment). The scan may carry the class of that next character (`kinds` one longer).
 */
export function nextIsCode({ text, kinds, language }: Scan, ch: string): boolean {
  if (kinds.length > text.length) return kinds[text.length] === Kind.Code;
  return classify(language, text + ch)[text.length] === Kind.Code;
}

/** A hover type that may be called although the server shows no signature (untyped, a function type). */
const MAYBE_CALLABLE = /\b(any|Any|Unknown|unknown|Function|Callable)\b|=>|\bdef\b|^\((method|function|constructor)\)/;

/**
 * Call shape, part 1: `(` right after a member (`obj.name(`) only if the member can be called. The server's
 * signature help is asked with the paren written; no signature and a hover type that is plainly not callable
 * (`(property) address: Address`) vetoes the paren. Untyped members (`any`, pyright's `Unknown`) stay free.
 */
export const callableMonitor: CharMonitor<boolean> = {
  kind: 'call',
  shape: 'char',
  languages: ['typescript', 'javascript', 'python'],
  chars: '(',
  question: 'callable',
  check(scan, ch) {
    if (!nextIsCode(scan, ch)) return undefined;
    const callee = calleeAt(scan.text, scan.text.length, scan.language);
    if (!callee?.member || callee.name === '') return undefined;
    return { anchor: scan.text.length, legal: (callable) => callable };
  },
  async ask(analysis, { before, after }, signal) {
    const signatures = await analysis.signatures(`${before}(`, `)${restOfDocument(after)}`, signal);
    if (signatures.length > 0) return true;
    // The member's declared type, asked without the paren: inside a call expression tsgo shows the type the
    // call gives it (`() => any`), not the property's own.
    const type = await analysis.typeAt(before, restOfDocument(after), signal);
    if (type === undefined || type.trim() === '') return undefined;
    return MAYBE_CALLABLE.test(type);
  },
  size: () => 1,
};

/** Arguments a signature needs, and how many it can take (Infinity with a rest parameter). */
export function arity(signature: SignatureInfo): { readonly required: number; readonly max: number } {
  let required = 0;
  let max = 0;
  for (const p of signature.parameters) {
    if (p.rest || p.keywords) {
      max = Infinity;
      continue;
    }
    max++;
    if (!p.optional) required++;
  }
  return { required, max };
}

/**
 * Call shape, part 2 (the MGD paper's argument-count monitor): inside a call, no `)` before some signature's
 * required arguments are given, and no `,` past the last parameter unless a signature takes more (a rest
 * parameter). One signature-help question per call, shared with the keyword-argument monitor.
 */
export const argumentCountMonitor: CharMonitor<readonly SignatureInfo[]> = {
  kind: 'call',
  shape: 'char',
  languages: ['typescript', 'javascript', 'python'],
  chars: '),',
  question: 'signatures',
  check(scan, ch) {
    if (!nextIsCode(scan, ch)) return undefined;
    const { text, kinds, language } = scan;
    const open = innermostOpen(text, kinds);
    if (open?.char !== '(' || !calleeAt(text, open.offset, language)) return undefined;
    const args = callArguments(text, kinds, open.offset, text.length, language);
    if (args.spread) return undefined;
    const n = args.count;
    if (ch === ')') return { anchor: open.offset + 1, site: open.offset, legal: (sigs) => sigs.some((s) => arity(s).required <= n) };
    if (args.current.trim() === '') return undefined; // `f(,`: not an argument count question
    return { anchor: open.offset + 1, site: open.offset, legal: (sigs) => sigs.some((s) => arity(s).max > n) };
  },
  async ask(analysis, { before, after }, signal) {
    const signatures = await analysis.signatures(before, `)${restOfDocument(after)}`, signal);
    return signatures.length > 0 ? signatures : undefined;
  },
  size: (sigs) => sigs.length,
};
