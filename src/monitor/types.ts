import type { Language } from '../lang/language.js';

/**
 * The static analysis a monitor asks (a language server behind an adapter; the monitor never sees LSP).
 * `members` answers for the document `before + after` with the cursor at the end of `before`, which is right
 * after a dot or inside the identifier after it. It may reject or answer [] when it cannot tell.
 */
export interface MemberOracle {
  /** `signal` aborts when the monitor stops waiting (its budget ran out): the analysis should drop the query. */
  members(before: string, after: string, signal?: AbortSignal): Promise<readonly string[]>;
}

/** A completion the analysis offers at the cursor: the text it inserts and its kind (LSP kind in lower case). */
export interface AnalysisItem {
  /** What it inserts (label without a trailing `?` for optional properties, no leading dot). */
  readonly name: string;
  /** Lower-case LSP completion kind: class, interface, variable, property, file, folder, module, constant, … */
  readonly kind: string;
}

/** One parameter of a signature, as the monitors need it. */
export interface ParameterInfo {
  readonly name: string;
  /** Has a default or is marked optional (`b?: T`, `b=1`). */
  readonly optional: boolean;
  /** Takes any number of arguments (`...rest`, `*args`); `keywords`: any keyword (`**kwargs`). */
  readonly rest: boolean;
  readonly keywords?: boolean;
  /** Python: only by position (before `/`), or only by keyword (after `*`). */
  readonly positionalOnly?: boolean;
  readonly keywordOnly?: boolean;
  /** The declared type as the server prints it ('' when none). */
  readonly type: string;
}

export interface SignatureInfo {
  readonly label: string;
  readonly parameters: readonly ParameterInfo[];
  /** The parameter the cursor is at, when the server says. */
  readonly activeParameter?: number;
}

/**
 * Everything the monitors ask of static analysis (a language server behind an adapter). Each question is about
 * the document `before + after` with the cursor at the end of `before`; `signal` aborts when the monitor stops
 * waiting. An answer of [] / undefined means the analysis has nothing to say there.
 */
export interface Analysis extends MemberOracle {
  /** Completions at the cursor (invoked, no trigger character). */
  completions(before: string, after: string, signal?: AbortSignal): Promise<readonly AnalysisItem[]>;
  /** Signatures of the call the cursor is in (right after its `(`, or inside its arguments). */
  signatures(before: string, after: string, signal?: AbortSignal): Promise<readonly SignatureInfo[]>;
  /** The type of the expression that ends at the cursor (hover text), or undefined. */
  typeAt(before: string, after: string, signal?: AbortSignal): Promise<string | undefined>;
}

/**
 * The analysis cannot answer now, for a known reason (e.g. `not-ready`: the language server is still loading
 * its project). The trigger degrades with that reason instead of waiting.
 */
export class AnalysisUnavailable extends Error {
  override readonly name = 'AnalysisUnavailable';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The document a completion is written into: the text around the cursor, shared by all monitors. */
export interface MonitorDocument {
  /** Text before the cursor (the prompt's code). */
  readonly before: string;
  /** Text after the cursor (kept in the virtual document the analysis sees). */
  readonly after: string;
  readonly language: Language;
  /**
   * The end of `before` that the model writes again (token healing): the model's text is `before` without it,
   * followed by the generated text.
   */
  readonly healed: string;
}

/** The monitors (`--monitors`): what each constrains. */
export const MONITOR_KINDS = ['deref', 'call', 'keys', 'literals', 'new', 'imports', 'kwargs'] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];

/** One time a monitor asked the analysis. */
export interface Trigger {
  /** The monitor that fired. */
  readonly monitor: MonitorKind;
  /**
   * Offset in the document as completed (`before` + completion) of the place the monitor judged: the dot of a
   * dereference, the `(` of a call, the start of a key, string, class name or import.
   */
  readonly offset: number;
  /** Legal choices there: identifiers, literals, signatures. */
  readonly allowed: number;
  /** What the final completion wrote there ('' if nothing or not a word: calls). */
  readonly chosen: string;
  /** Tokens the monitor vetoed there on the final path (a `)` too early, an illegal key, …). */
  readonly vetoes?: number;
  readonly latencyMs: number;
  /** The analysis answered nothing, failed or ran out of time: that identifier was not constrained. */
  readonly degraded: boolean;
  /** Why it degraded: 'timeout', 'not-ready', 'empty', 'error: …', 'no-legal-continuation'. */
  readonly reason?: string;
}

/** Why a trigger degraded, with the details of an error folded into `error` (for counting by reason). */
export function degradedReason(trigger: Pick<Trigger, 'reason'>): string {
  return trigger.reason?.startsWith('error:') ? 'error' : (trigger.reason ?? 'unknown');
}

/** What the monitors report after a completion. */
export interface MonitorReport {
  readonly triggers: readonly Trigger[];
  /** Decoding steps of the final completion whose choice was masked by a monitor. */
  readonly constrainedTokens: number;
  /**
   * Questions asked of the analysis in the whole decoding, per monitor, including those whose answer left
   * nothing to constrain (a string whose type is not a union) and those off the final path.
   */
  readonly queries?: Partial<Record<MonitorKind, number>>;
}
