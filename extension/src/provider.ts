import * as vscode from 'vscode';
import { EngineError, type CompletionAnswer, type CompletionBody, type EngineClient } from './engine-client.js';
import { completionMode, debounce, languageKind, SuggestionCache, trimClosers } from './logic.js';

export interface Settings {
  readonly enabled: boolean;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly monitors: boolean;
  readonly debounceMs: number;
}

export type Status = 'idle' | 'working' | 'degraded' | 'off' | 'error';

export interface ProviderDeps {
  readonly client: () => EngineClient;
  readonly settings: () => Settings;
  readonly setStatus: (status: Status, detail?: string) => void;
  readonly log: (line: string) => void;
  /** Tells the user once (per distinct message, at most once a minute) why no completion came. */
  readonly notifyError: (message: string) => void;
}

/**
 * Monitor-guided inline completions (ghost text) from the engine: debounced, cancelled with the editor's
 * token (the HTTP request is aborted, which cancels generation on the engine), from the editor's unsaved text,
 * single-line or — on an empty line inside a block — multi-line, without repeating closers that follow the
 * cursor, and kept without a new request while the user types what it shows.
 */
export class CodegenProvider implements vscode.InlineCompletionItemProvider {
  readonly cache = new SuggestionCache();
  /** Requests sent to the engine (the cache and the debounce keep this low). */
  requests = 0;

  constructor(private readonly deps: ProviderDeps) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[]> {
    const settings = this.deps.settings();
    if (!settings.enabled) return [];
    const kind = languageKind(document.languageId);
    if (!kind) return [];
    const text = document.getText();
    const offset = document.offsetAt(position);
    const before = text.slice(0, offset);
    const after = text.slice(offset);
    const line = document.lineAt(position.line).text;
    const restOfLine = line.slice(position.character);
    const range = new vscode.Range(position, position);

    const cached = this.cache.lookup(before, after);
    if (cached !== undefined) return [new vscode.InlineCompletionItem(cached, range)];
    if (!(await debounce(settings.debounceMs, token))) return [];

    const mode = completionMode(kind, before);
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const body: CompletionBody =
      folder && document.uri.scheme === 'file'
        ? {
            workspace: folder.uri.fsPath,
            file: document.uri.fsPath,
            text,
            position: { line: position.line, character: position.character },
            max_tokens: settings.maxTokens,
            temperature: settings.temperature,
            monitors: settings.monitors,
            stop_mode: mode,
          }
        : { prompt: before, suffix: after, max_tokens: settings.maxTokens, temperature: settings.temperature };
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    const started = Date.now();
    this.deps.setStatus('working');
    this.requests++;
    let answer: CompletionAnswer;
    try {
      answer = await this.deps.client().complete(body, controller.signal);
    } catch (e) {
      if (controller.signal.aborted) {
        this.deps.setStatus('idle');
        this.deps.log(`cancelled after ${Date.now() - started} ms`);
        return [];
      }
      const message = e instanceof EngineError ? e.message : `unexpected error: ${(e as Error).message}`;
      this.deps.setStatus('error', message);
      this.deps.log(`error: ${message}`);
      this.deps.notifyError(message);
      return [];
    } finally {
      sub.dispose();
    }
    const monitor = answer.monitor;
    const degraded = monitor?.degraded ?? false;
    const reasons = [...new Set(monitor?.triggers.filter((t) => t.degraded).map((t) => t.reason ?? 'unknown') ?? [])];
    this.deps.setStatus(degraded ? 'degraded' : 'idle', degraded ? `language server unavailable: ${reasons.join(', ')}` : undefined);
    this.deps.log(
      `${document.uri.fsPath.split('/').pop()}:${position.line + 1}:${position.character + 1} ${mode} ${Date.now() - started} ms, ${answer.tokens} tokens, ` +
        `${monitor ? `${monitor.triggers.length} monitor trigger(s)${degraded ? `, degraded (${reasons.join(', ')})` : ''}` : 'no monitor'}`,
    );
    if (token.isCancellationRequested) return [];
    const shown = trimClosers(answer.text, restOfLine);
    if (shown.trim() === '') return [];
    this.cache.remember(before, after, shown);
    return [new vscode.InlineCompletionItem(shown, range)];
  }
}
