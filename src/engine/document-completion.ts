import { relative, sep } from 'node:path';
import { findDereference } from '../lang/dereference.js';
import { languageOf } from '../lang/language.js';
import type { ServerPool } from '../lsp/pool.js';
import type { MonitorSet } from '../monitor/monitor-set.js';
import { MONITOR_KINDS, type MonitorKind, type MonitorReport } from '../monitor/types.js';
import { withSuffix, type CompletionRequest, type CompletionResult, type Engine } from './engine.js';
import { monitorsApply, monitorSet } from './monitors.js';

/** A completion at a position of a file in a workspace, optionally guided by the monitors. */
export interface DocumentCompletionRequest extends Omit<CompletionRequest, 'prefix' | 'suffix' | 'path'> {
  readonly workspace: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** The document's text as the editor has it (may differ from disk). */
  readonly text: string;
  /** Cursor offset in `text`. */
  readonly offset: number;
  /** Monitor-guided decoding (default true); false turns every monitor off. */
  readonly monitor?: boolean;
  /** Which monitors (default: all). */
  readonly monitors?: readonly MonitorKind[];
  /** Longest wait for the language server per trigger before decoding goes on unconstrained. Default 300 ms. */
  readonly budgetMs?: number;
  /**
   * Longest wait for a cold language server to be ready before decoding starts (it keeps loading afterwards;
   * triggers degrade until it is ready). Default 10 s.
   */
  readonly warmupMs?: number;
  /**
   * Use the text after the cursor as the FIM suffix: true, false, or 'auto' (default) = the model's policy
   * (`Engine.fimByDefault`: when it has FIM tokens and its config does not say `fim_usable: false`), never at a
   * dereference point. Without FIM the generation is left to right and the text after the cursor only stops it
   * (`suffixStopIndex`: it never writes again what follows the cursor).
   */
  readonly fim?: boolean | 'auto';
}

export interface DocumentCompletionResult extends CompletionResult {
  readonly monitor: MonitorReport & {
    readonly enabled: boolean;
    /** The monitors that ran. */
    readonly kinds: readonly MonitorKind[];
    /** Time spent making sure the language server had the project loaded before decoding. */
    readonly warmupMs: number;
    /** Whether the language server was ready when decoding started (false: it was still loading). */
    readonly ready: boolean;
  };
}

/**
 * Completes at `offset` of a file: the text before the cursor is the prompt (with the model's path header),
 * the text after it the FIM suffix; with the monitors on, what they guard (members after a dot, call shapes,
 * keys, literals, classes after `new`, imports, keyword arguments) is constrained to what the file's language
 * server says is legal there.
 */
export async function completeInDocument(
  engine: Engine,
  pool: ServerPool,
  request: DocumentCompletionRequest,
): Promise<DocumentCompletionResult> {
  const { workspace, file, text, offset } = request;
  if (!Number.isInteger(offset) || offset < 0 || offset > text.length) {
    throw new RangeError(`offset ${offset} is outside the document (0..${text.length})`);
  }
  const before = text.slice(0, offset);
  const after = text.slice(offset);
  const path = relative(workspace, file).split(sep).join('/');
  const language = languageOf(file);
  const fimWanted = request.fim ?? 'auto';
  const atDereference = language !== undefined && findDereference(before.slice(-2000), Math.min(before.length, 2000), language) !== undefined;
  const useFim = engine.format.fim !== undefined && (fimWanted === 'auto' ? engine.fimByDefault && !atDereference : fimWanted);
  const monitorOn = request.monitor !== false && monitorsApply(request.monitors, language);
  let monitor: MonitorSet | undefined;
  const warmStart = performance.now();
  const ready = monitorOn ? await pool.warmUp(workspace, file, text, request.warmupMs) : false;
  const warmupMs = Math.round((performance.now() - warmStart) * 100) / 100;
  const result = await engine.complete({ ...request, prefix: before, path, ...withSuffix(after, useFim, language, request.stopWhen) }, (prompt) => {
    if (!monitorOn) return [];
    monitor = monitorSet({ pool, workspace, kinds: request.monitors, budgetMs: request.budgetMs }, file, { before, after, language: language!, healed: prompt.healed }, engine.tokenizer);
    return [monitor];
  });
  const report = monitor ? await monitor.report(result.completion) : { triggers: [], constrainedTokens: 0, queries: {} };
  const kinds = monitorOn ? (request.monitors ?? MONITOR_KINDS).filter((k) => monitorsApply([k], language)) : [];
  return { ...result, monitor: { enabled: monitorOn, kinds, warmupMs, ready, ...report } };
}
