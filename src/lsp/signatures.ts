import type { SignatureHelp } from 'vscode-languageserver-protocol';
import type { Language } from '../lang/language.js';
import type { ParameterInfo, SignatureInfo } from '../monitor/types.js';

/**
 * One parameter from its label as the servers print it — TypeScript `b?: string`, `...rest: T[]`; Python
 * (pyright) `qty: int = 1`, `*args`, `**kwargs`, and the markers `*` (keyword-only after it) and `/`
 * (positional-only before it), which are not parameters (undefined). Pyright shortens a tail of `*args` and
 * `**kwargs` to `...`: any number of arguments, by position or keyword.
 */
export function parseParameter(label: string, language: Language): ParameterInfo | undefined {
  const text = label.trim();
  if (text === '...') return { name: '', optional: true, rest: true, keywords: true, type: '' };
  if (language === 'python') {
    if (text === '*' || text === '/') return undefined;
    const m = /^(\*{0,2})([\p{L}_][\p{L}\p{N}_]*)\s*(?::\s*([^=]*?))?\s*(=.*)?$/su.exec(text);
    if (!m) return { name: text, optional: true, rest: false, type: '' };
    const stars = m[1]!.length;
    return { name: m[2]!, optional: stars > 0 || m[4] !== undefined, rest: stars > 0, ...(stars === 2 ? { keywords: true } : {}), type: (m[3] ?? '').trim() };
  }
  const m = /^(\.\.\.)?([\p{L}_$][\p{L}\p{N}_$]*|\{[^]*\}|\[[^]*\])(\?)?\s*(?::\s*([^]*))?$/u.exec(text);
  if (!m) return { name: text, optional: false, rest: false, type: '' };
  return { name: m[2]!, optional: m[3] !== undefined || m[1] !== undefined, rest: m[1] !== undefined, type: (m[4] ?? '').trim() };
}

/** The signatures of a signature-help answer, with their parameters parsed; [] for none. */
export function signaturesOf(help: SignatureHelp | null | undefined, language: Language): SignatureInfo[] {
  if (!help) return [];
  return help.signatures.map((s) => {
    const parameters: ParameterInfo[] = [];
    let keywordOnly = false;
    const labels = (s.parameters ?? []).map((p) => (typeof p.label === 'string' ? p.label : s.label.slice(p.label[0], p.label[1])));
    const slash = labels.findIndex((l) => l.trim() === '/');
    labels.forEach((label, i) => {
      if (label.trim() === '*') keywordOnly = true;
      const p = parseParameter(label, language);
      if (!p) return;
      if (p.rest && !p.keywords) keywordOnly = true; // after `*args`
      parameters.push({ ...p, ...(i < slash ? { positionalOnly: true } : {}), ...(keywordOnly && !p.rest ? { keywordOnly: true } : {}) });
    });
    const active = s.activeParameter ?? help.activeParameter;
    return { label: s.label, parameters, ...(typeof active === 'number' ? { activeParameter: active } : {}) };
  });
}
