import { calleeAt, innermostOpen } from '../../lang/brackets.js';
import { inCode, restOfDocument, type CharMonitor } from '../monitor.js';
import type { SignatureInfo } from '../types.js';

/**
 * Python keyword arguments: `name=` inside a call only for a parameter the callee has (or any name when it
 * takes `**kwargs`). Judged at the `=`, with the call's signatures (the question the argument-count monitor
 * asks too, so one query serves both).
 */
export const keywordArgumentMonitor: CharMonitor<readonly SignatureInfo[]> = inCode({
  kind: 'kwargs',
  shape: 'char',
  languages: ['python'],
  chars: '=',
  question: 'signatures',
  check({ text, kinds, language }, _ch, rest) {
    if (rest.startsWith('=')) return undefined; // `==`
    const m = /([\p{L}_][\p{L}\p{N}_]*)\s*$/u.exec(text);
    if (!m) return undefined;
    const name = m[1]!;
    let start = m.index;
    while (start > 0 && /\s/.test(text[start - 1]!)) start--;
    const sep = text[start - 1];
    if (sep !== '(' && sep !== ',') return undefined;
    const open = innermostOpen(text, kinds);
    if (open?.char !== '(' || !calleeAt(text, open.offset, language)) return undefined;
    return {
      anchor: open.offset + 1,
      site: open.offset,
      legal: (sigs) => sigs.some((s) => s.parameters.some((p) => p.keywords || (p.name === name && !p.rest && !p.positionalOnly))),
    };
  },
  async ask(analysis, { before, after }, signal) {
    const signatures = await analysis.signatures(before, `)${restOfDocument(after)}`, signal);
    return signatures.length > 0 ? signatures : undefined;
  },
  size: (sigs) => sigs.length,
});
