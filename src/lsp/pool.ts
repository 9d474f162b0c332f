import { resolve } from 'node:path';
import { languageOf, type Language } from '../lang/language.js';
import { withDeadline } from '../util/deadline.js';
import { LspError } from './errors.js';
import { LanguageServer, type LanguageServerOptions } from './language-server.js';
import { queryMembers, type MemberAnswer, type MemberQuery } from './members.js';
import { serverFor, type ServerChoice, type ServerSpec } from './servers.js';

/** How long offline work (planning, evaluation) waits for a language server to load its project before going on. */
export const OFFLINE_WARMUP_MS = 120_000;

export interface ServerPoolOptions extends LanguageServerOptions {
  /** Which server per language (defaults: tsgo for TS/JS, pyright for Python). */
  readonly servers?: ServerChoice;
  /** A server of one's own for a language (takes precedence over `servers`). */
  readonly specs?: Readonly<Partial<Record<Language, ServerSpec>>>;
  /** Shut a server down after this long without calls. Default 10 minutes; 0 never. */
  readonly idleMs?: number;
}

/**
 * One language server per (workspace, server), started lazily, reused, shut down when idle or on dispose.
 * Neither its timer nor its servers keep the caller's process alive while nothing is asked (servers exit by
 * themselves when their client goes); `dispose()` stops them at once.
 */
export class ServerPool {
  private readonly servers = new Map<string, LanguageServer>();
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: ServerPoolOptions = {}) {
    const idle = options.idleMs ?? 10 * 60_000;
    if (idle > 0) {
      this.sweeper = setInterval(() => void this.closeIdle(idle), Math.min(idle, 30_000));
      this.sweeper.unref();
    }
  }

  /** The server for `language` in `workspace`, created on first use (the process starts on its first call). */
  server(workspace: string, language: Language): LanguageServer {
    const spec = this.options.specs?.[language] ?? serverFor(language, this.options.servers);
    const root = resolve(workspace);
    const key = `${spec.id}\0${root}`;
    let server = this.servers.get(key);
    if (!server) {
      server = new LanguageServer(spec, root, this.options);
      this.servers.set(key, server);
    }
    return server;
  }

  /** The server for a file, chosen by its extension. */
  serverForFile(workspace: string, file: string): LanguageServer {
    const language = languageOf(file);
    if (!language) throw new LspError('no-server', `no language server for ${file} (TypeScript, JavaScript and Python are supported)`);
    return this.server(workspace, language);
  }

  /** Type-valid members at a dereference point (see `queryMembers`). */
  members(workspace: string, query: Omit<MemberQuery, 'language'>): Promise<MemberAnswer> {
    const language = languageOf(query.file);
    if (!language) throw new LspError('no-server', `no language server for ${query.file}`);
    return queryMembers(this.server(workspace, language), { ...query, language });
  }

  /**
   * Opens `text` as `file` and waits at most `budgetMs` until the server is ready (has answered on it), so a
   * cold start (project load, first analysis) is not paid inside a monitor's per-trigger budget. The load goes
   * on after the budget, with no time limit but the server's silence: a slow server is never killed for it,
   * and the monitors' triggers degrade (`not-ready`) until it is ready. Never throws.
   */
  async warmUp(workspace: string, file: string, text: string, budgetMs = 10_000): Promise<boolean> {
    const language = languageOf(file);
    if (!language) return false;
    const server = this.server(workspace, language);
    if (server.ready && server.isOpen(file)) return true;
    return (await withDeadline(server.whenReady(file, text), budgetMs)) === true;
  }

  private async closeIdle(idleMs: number): Promise<void> {
    const now = Date.now();
    for (const [key, server] of this.servers) {
      if (now - server.lastUsed > idleMs) {
        this.servers.delete(key);
        await server.dispose();
      }
    }
  }

  async dispose(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((s) => s.dispose()));
  }
}
