import { calleeAt, callArguments, innermostOpen } from '../../lang/brackets.js';
import { inCode, restOfDocument, type CharMonitor } from '../monitor.js';
import type { SignatureInfo } from '../types.js';

/** A part of the call-shape monitor (TS/JS and Python), judging its characters where they are code. */
function callShape<A>(part: Omit<CharMonitor<A>, 'kind' | 'shape' | 'languages'>): CharMonitor<A> {
  return inCode({ kind: 'call', shape: 'char', languages: ['typescript', 'javascript', 'python'], ...part });
}

/** A hover type that may be called although the server shows no signature (untyped, a function type). */
const MAYBE_CALLABLE = /\b(any|Any|Unknown|unknown|Function|Callable)\b|=>|\bdef\b|^\((method|function|constructor)\)/;

/**
 * Call shape, part 1: `(` right after a member (`obj.name(`) only if the member can be called. The server's
 * signature help is asked with the paren written; no signature and a hover type that is plainly not callable
 * (`(property) address: Address`) vetoes the paren. Untyped members (`any`, pyright's `Unknown`) stay free.
 */
export const callableMonitor = callShape<boolean>({
  chars: '(',
  question: 'callable',
  check(scan) {
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
});

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
export const argumentCountMonitor = callShape<readonly SignatureInfo[]>({
  chars: '),',
  question: 'signatures',
  check(scan, ch) {
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
});
