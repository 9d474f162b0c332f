import { calleeAt } from '../lang/brackets.js';
import type { Language } from '../lang/language.js';
import { classify, Kind } from '../lang/lexical.js';
import { keywordArgumentMonitor } from '../monitor/kinds/kwargs.js';
import type { Scan, WordMonitor } from '../monitor/monitor.js';
import { monitorsOf } from '../monitor/monitors.js';
import type { MonitorKind } from '../monitor/types.js';

/** A place in real code where a monitor of `kind` fires, with what the code writes there. */
export interface KindSite {
  readonly kind: MonitorKind;
  /** Offset of the cursor: where the monitored text starts. */
  readonly cursor: number;
  /**
   * What the code has there: the member, key, class or module name; a string's contents with the closing
   * quote; a call's arguments with the closing `)`; `name=` for a keyword argument.
   */
  readonly expected: string;
}

const IDENT = /^[\p{L}_$][\p{L}\p{N}_$]*/u;

/** The text from `open + 1` through the `)` that closes the bracket at `open`, or undefined when unclosed. */
function argumentsThroughClose(text: string, kinds: Uint8Array, open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (kinds[i] !== Kind.Code) continue;
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return ch === ')' ? text.slice(open + 1, i + 1) : undefined;
    }
  }
  return undefined;
}

/** What the code writes in a word slot starting at `p`. */
function expectedWord(kind: MonitorKind, text: string, p: number, language: Language): string | undefined {
  const rest = text.slice(p, p + 400);
  if (kind === 'literals') return /^[^'"\n\\]*['"]/.exec(rest)?.[0];
  if (kind === 'imports' && language !== 'python') return /^[^'"\n\\]*['"]/.exec(rest)?.[0];
  return IDENT.exec(rest)?.[0];
}

/**
 * The sites of `kinds` in `text`: each position where the monitor's own trigger
 * fires on the real code (so the dataset and the monitors agree on what a site is) and the code then writes
 * something (a word, the arguments of a call, a keyword argument). Pure; one lexical pass.
 */
export function findKindSites(text: string, language: Language, kinds: readonly MonitorKind[]): KindSite[] {
  const lexical = classify(language, text);
  const monitors = monitorsOf(kinds).filter((m) => m.languages.includes(language));
  const words = monitors.filter((m): m is WordMonitor => m.shape === 'word');
  const calls = kinds.includes('call') && monitors.some((m) => m.kind === 'call');
  const kwargs = kinds.includes('kwargs') && monitors.some((m) => m.kind === 'kwargs');
  const scanAt = (p: number): Scan => {
    const from = Math.max(0, text.lastIndexOf('\n', p - 2000) + 1);
    return { text: text.slice(from, p), kinds: lexical.subarray(from, p + 1), language };
  };
  const out: KindSite[] = [];
  for (let p = 1; p < text.length; p++) {
    const prev = text[p - 1]!;
    const here = text[p]!;
    // Cheap pre-checks before the triggers: a word starts at p (or a string does), or a call opens.
    const wordStart = /[\p{L}_$'".]/u.test(here) && !/[\p{L}\p{N}_$]/u.test(prev);
    const stringStart = (prev === "'" || prev === '"') && lexical[p - 1] === Kind.String;
    if (wordStart || stringStart) {
      const scan = scanAt(p);
      for (const m of words) {
        const slot = m.slot(scan);
        if (!slot || slot.prefix !== '' || slot.anchor !== scan.text.length) continue;
        const expected = expectedWord(m.kind, text, p, language);
        if (expected) out.push({ kind: m.kind, cursor: p, expected });
        break;
      }
    }
    if (calls && prev === '(' && lexical[p - 1] === Kind.Code) {
      const callee = calleeAt(text, p - 1, language);
      const args = callee && callee.name !== '' ? argumentsThroughClose(text, lexical, p - 1) : undefined;
      if (args !== undefined && args.trim() !== ')' && !args.includes('\n')) out.push({ kind: 'call', cursor: p, expected: args });
    }
    if (kwargs && (prev === '(' || prev === ',' || prev === ' ') && lexical[p] === Kind.Code) {
      const m = /^([\p{L}_][\p{L}\p{N}_]*)=(?!=)/u.exec(text.slice(p, p + 100));
      if (m && keywordArgumentMonitor.check(scanAt(p + m[1]!.length), '=', text.slice(p + m[1]!.length + 1, p + m[1]!.length + 2))) {
        out.push({ kind: 'kwargs', cursor: p, expected: `${m[1]}=` });
      }
    }
  }
  return out;
}
