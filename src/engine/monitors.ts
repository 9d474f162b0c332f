import { CompletionItemKind } from 'vscode-languageserver-protocol';
import { languageOf, type Language } from '../lang/language.js';
import { memberName } from '../lsp/members.js';
import type { ServerPool } from '../lsp/pool.js';
import { signaturesOf } from '../lsp/signatures.js';
import { MonitorSet } from '../monitor/monitor-set.js';
import { monitorsOf } from '../monitor/monitors.js';
import { AnalysisUnavailable, MONITOR_KINDS, type Analysis, type AnalysisItem, type MonitorDocument, type MonitorKind } from '../monitor/types.js';
import { monitorVocab, type MonitorTokenizer } from '../monitor/vocab.js';

const KIND_NAMES = new Map<number, string>(
  Object.entries(CompletionItemKind)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k.toLowerCase()]),
);

/**
 * The language servers of `pool` as the monitors' analysis for one file. A server that is not ready (starting,
 * loading its project, restarting after a crash) is not asked: the trigger degrades at once (`not-ready`) while
 * the server keeps loading in the background, never restarted for being slow.
 */
export function lspAnalysis(pool: ServerPool, workspace: string, file: string): Analysis {
  const language = languageOf(file);
  const server = () => {
    const s = pool.serverForFile(workspace, file);
    if (!s.ready) throw new AnalysisUnavailable('not-ready', `${s.spec.name} is not ready (loading its project)`);
    return s;
  };
  const whenNotReady = (before: string, after: string) => {
    const s = pool.serverForFile(workspace, file);
    if (!s.ready) void s.whenReady(file, before + after);
  };
  return {
    async members(before, after, signal) {
      whenNotReady(before, after);
      server();
      const answer = await pool.members(workspace, { file, text: before + after, offset: before.length, signal });
      return answer.members.map((m) => m.name);
    },
    async completions(before, after, signal, details) {
      whenNotReady(before, after);
      const s = server();
      const answer = await s.completion(file, before + after, before.length, undefined, { signal });
      const items: AnalysisItem[] = [];
      for (const item of answer.items) {
        const entry: AnalysisItem = { name: memberName(item), kind: (item.kind !== undefined && KIND_NAMES.get(item.kind)) || 'unknown' };
        if (details?.(entry)) {
          const resolved = item.detail ? item : await s.resolve(item, { signal });
          items.push(resolved.detail ? { ...entry, detail: resolved.detail } : entry);
        } else items.push(entry);
      }
      return items;
    },
    async signatures(before, after, signal) {
      whenNotReady(before, after);
      const help = await server().signatureHelp(file, before + after, before.length, { signal });
      return signaturesOf(help, language ?? 'typescript');
    },
    async typeAt(before, after, signal) {
      whenNotReady(before, after);
      // Hover on the last character of the expression that ends `before`.
      return server().hover(file, before + after, Math.max(0, before.length - 1), { signal });
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
