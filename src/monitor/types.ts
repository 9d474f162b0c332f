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

/** One time a monitor asked the analysis. */
export interface Trigger {
  /** Offset of the dot in the document as completed (`before` + completion). */
  readonly offset: number;
  /** Legal identifiers there (with the prefix already typed when the monitor fired). */
  readonly allowed: number;
  /** The identifier written after the dot in the final completion ('' if none). */
  readonly chosen: string;
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

/** What a monitor reports after a completion. */
export interface MonitorReport {
  readonly triggers: readonly Trigger[];
  /** Decoding steps of the final completion whose choice was masked by the monitor. */
  readonly constrainedTokens: number;
}
