import { languageOf, type Language } from '../lang/language.js';
import { kindName, memberName } from '../lsp/members.js';
import type { LanguageServer } from '../lsp/language-server.js';
import type { ServerPool } from '../lsp/pool.js';
import { signaturesOf } from '../lsp/signatures.js';
import { MonitorSet } from '../monitor/monitor-set.js';
import { monitorsOf } from '../monitor/monitors.js';
import { AnalysisUnavailable, MONITOR_KINDS, type Analysis, type MonitorDocument, type MonitorKind } from '../monitor/types.js';
import { monitorVocab, type MonitorTokenizer } from '../monitor/vocab.js';

/** The callee of a call whose `(` ends the text. */
const CALLEE = /([\p{L}_$][\p{L}\p{N}_$.]*)\s*\($/u;
/** Per server: callees whose signature help ran past a monitor's budget. */
const slowCallees = new WeakMap<LanguageServer, Set<string>>();

/**
 * The language servers of `pool` as the monitors' analysis for one file. A server that is not ready (starting,
 * loading its project, restarting after a crash) is not asked: the trigger degrades at once (`not-ready`) while
 * the server keeps loading in the background, never restarted for being slow.
 */
export function lspAnalysis(pool: ServerPool, workspace: string, file: string): Analysis {
  // One analysis per file and pool: what monitors keep per analysis (import listings) outlives one completion.
  let byFile = analyses.get(pool);
  if (!byFile) analyses.set(pool, (byFile = new Map()));
  const key = `${workspace}\u0000${file}`;
  let analysis = byFile.get(key);
  if (!analysis) byFile.set(key, (analysis = createAnalysis(pool, workspace, file)));
  return analysis;
}

const analyses = new WeakMap<ServerPool, Map<string, Analysis>>();

function createAnalysis(pool: ServerPool, workspace: string, file: string): Analysis {
  const language = languageOf(file);
  /**
   * The file's server, if it can be asked now. One that is not ready is left loading with this document open
   * (`not-ready`); one still computing a question it was cancelled on would only queue the next behind it
   * (pyright goes on for seconds with `open(`'s overloads): `busy`.
   */
  const server = (before: string, after: string): LanguageServer => {
    const s = pool.serverForFile(workspace, file);
    if (!s.ready) {
      void s.whenReady(file, before + after);
      throw new AnalysisUnavailable('not-ready', `${s.spec.name} is not ready (loading its project)`);
    }
    if (s.busy) throw new AnalysisUnavailable('busy', `${s.spec.name} is still computing an answer that came too late`);
    return s;
  };
  return {
    async members(before, after, signal) {
      server(before, after);
      const answer = await pool.members(workspace, { file, text: before + after, offset: before.length, signal });
      return answer.members.map((m) => m.name);
    },
    async completions(before, after, signal) {
      const answer = await server(before, after).completion(file, before + after, before.length, undefined, { signal });
      return answer.items.map((item) => ({ name: memberName(item), kind: kindName(item) }));
    },
    async signatures(before, after, signal) {
      const s = server(before, after);
      // A callee whose signatures took longer than the budget once (pyright needs seconds for the overloads
      // of builtins such as `open` and `max`) is not asked again: the question would only make it busy again.
      const callee = CALLEE.exec(before.slice(-200))?.[1];
      let slow = slowCallees.get(s);
      if (!slow) slowCallees.set(s, (slow = new Set()));
      if (callee && slow.has(callee)) throw new AnalysisUnavailable('slow', `${s.spec.name} took too long for the signatures of ${callee}( before`);
      try {
        return signaturesOf(await s.signatureHelp(file, before + after, before.length, { signal }), language ?? 'typescript');
      } catch (e) {
        if (callee && signal?.aborted) slow.add(callee);
        throw e;
      }
    },
    async typeAt(before, after, signal) {
      // Hover on the last character of the expression that ends `before`.
      return server(before, after).hover(file, before + after, Math.max(0, before.length - 1), { signal });
    },
  };
}

/** Which monitors guide a completion over the language servers, and how long each trigger may wait. */
export interface MonitorOptions {
  readonly pool: ServerPool;
  readonly workspace: string;
  /** Default: all. */
  readonly kinds?: readonly MonitorKind[];
  /** Per-trigger budget. Default 300 ms. */
  readonly budgetMs?: number;
}

/**
 * The one place the monitors are built over the language servers (completion, planning, evaluation): the
 * file's analysis, the chosen kinds, the tokenizer's vocabulary trie, one `MonitorSet` for the document.
 */
export function monitorSet(options: MonitorOptions, file: string, document: MonitorDocument, tokenizer: MonitorTokenizer): MonitorSet {
  return new MonitorSet(document, lspAnalysis(options.pool, options.workspace, file), monitorVocab(tokenizer), monitorsOf(options.kinds ?? MONITOR_KINDS), {
    budgetMs: options.budgetMs,
  });
}

/** Whether `kinds` has any monitor for `language`. */
export function monitorsApply(kinds: readonly MonitorKind[] | undefined, language: Language | undefined): boolean {
  return language !== undefined && monitorsOf(kinds ?? MONITOR_KINDS).some((m) => m.languages.includes(language));
}
