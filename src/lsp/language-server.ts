import { pathToFileURL } from 'node:url';
import {
  CompletionRequest,
  CompletionResolveRequest,
  CompletionTriggerKind,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  type CompletionItem,
  type CompletionList,
  type Location,
  type LocationLink,
} from 'vscode-languageserver-protocol';
import { delay, LspConnection } from './connection.js';
import { LspError } from './errors.js';
import type { ServerSpec } from './servers.js';
import { diffChange, positionAt } from './text.js';

export interface LanguageServerOptions {
  /** Limit for one request; a server that does not answer in time is killed and restarted. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Limit for start-up (`initialize`). Default 60 s. */
  readonly initializeTimeoutMs?: number;
  /** Longest wait between restarts of a server that keeps crashing. Default 8 s. */
  readonly maxBackoffMs?: number;
}

export interface CompletionAnswer {
  readonly items: readonly CompletionItem[];
  /** The server said more items exist than it listed. */
  readonly isIncomplete: boolean;
}

interface OpenDocument {
  version: number;
  text: string;
}

/**
 * A supervised language server for one workspace: started on first use, restarted (with back-off) when it
 * dies or hangs, and fed the engine's overlay documents — the text the engine sends is what the server sees,
 * whatever is on disk. Calls on one document are serialized; calls on different documents may overlap.
 */
export class LanguageServer {
  private current: LspConnection | undefined;
  private starting: Promise<LspConnection> | undefined;
  /** What the current connection has been told about each open document. */
  private open = new Map<string, OpenDocument>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private crashes = 0;
  private nextStartAt = 0;
  private disposed = false;
  private readonly requestTimeoutMs: number;
  private readonly initializeTimeoutMs: number;
  private readonly maxBackoffMs: number;
  /** Starts of the server process so far (restarts included). */
  starts = 0;
  /** Time of the last call, for idle shutdown. */
  lastUsed = Date.now();

  constructor(
    readonly spec: ServerSpec,
    readonly workspace: string,
    options: LanguageServerOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.initializeTimeoutMs = options.initializeTimeoutMs ?? 60_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 8_000;
  }

  /** Process id of the running server (tests kill it to check restarts). */
  get pid(): number | undefined {
    return this.current?.alive ? this.current.pid : undefined;
  }

  /** Starts the server now instead of on first use. */
  async start(): Promise<void> {
    await this.connection();
  }

  private async connection(): Promise<LspConnection> {
    if (this.disposed) throw new LspError('disposed', `${this.spec.name} client was disposed`);
    if (this.current?.alive) return this.current;
    if (this.starting) return this.starting;
    const wait = this.nextStartAt - Date.now();
    if (wait > 0) {
      throw new LspError('server-crashing', `${this.spec.name} keeps crashing; next restart in ${wait} ms`);
    }
    this.starting = (async () => {
      this.starts++;
      try {
        const conn = await LspConnection.start(this.spec, this.workspace, { initializeTimeoutMs: this.initializeTimeoutMs });
        this.current = conn;
        this.open = new Map();
        void conn.exited.then(() => this.onExit(conn));
        return conn;
      } catch (e) {
        this.noteCrash();
        throw e;
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  private onExit(conn: LspConnection): void {
    if (this.current !== conn) return;
    this.current = undefined;
    if (!this.disposed) this.noteCrash();
  }

  /** Back-off: the first crash restarts at once, then 250 ms, 500 ms, … up to `maxBackoffMs`. */
  private noteCrash(): void {
    this.crashes++;
    const backoff = this.crashes <= 1 ? 0 : Math.min(this.maxBackoffMs, 250 * 2 ** (this.crashes - 2));
    this.nextStartAt = Date.now() + backoff;
  }

  /** Runs `fn` on the connection; a timeout kills the server so the next call starts a fresh one. */
  private async withConnection<T>(fn: (conn: LspConnection) => Promise<T>): Promise<T> {
    this.lastUsed = Date.now();
    const conn = await this.connection();
    try {
      const result = await fn(conn);
      this.crashes = 0; // a real answer: the server is healthy again
      return result;
    } catch (e) {
      if (e instanceof LspError && e.code === 'timeout') conn.kill();
      throw e;
    }
  }

  /** Serializes calls per document so a `didChange` and its query are never interleaved with another's. */
  private async locked<T>(uri: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(uri) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(uri, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(uri) === settled) this.locks.delete(uri);
    }
  }

  /** Makes the server's copy of `uri` equal `text`: didOpen the first time, then one didChange per change. */
  private async sync(conn: LspConnection, path: string, uri: string, text: string): Promise<void> {
    const doc = this.open.get(uri);
    if (!doc) {
      this.open.set(uri, { version: 1, text });
      await conn.notify(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: this.spec.languageId(path), version: 1, text },
      });
      return;
    }
    const change = conn.incrementalSync ? diffChange(doc.text, text) : doc.text === text ? undefined : { text };
    if (!change) return;
    doc.version++;
    doc.text = text;
    await conn.notify(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: doc.version },
      contentChanges: [change],
    });
  }

  /**
   * Completion at `offset` of the overlay `text` of file `path`. The document is synchronized first (no await
   * on anything else between the didChange and the request, so the server answers for exactly this text).
   */
  async completion(path: string, text: string, offset: number, triggerCharacter?: string): Promise<CompletionAnswer> {
    return this.atPosition(path, text, async (conn, uri) => {
      const result = await conn.request(
        CompletionRequest.type,
        {
          textDocument: { uri },
          position: positionAt(text, offset),
          context: triggerCharacter
            ? { triggerKind: CompletionTriggerKind.TriggerCharacter, triggerCharacter }
            : { triggerKind: CompletionTriggerKind.Invoked },
        },
        this.requestTimeoutMs,
      );
      return normalizeList(result);
    });
  }

  /** Runs `ask` on the connection once the server's copy of `path` is `text`, serialized per document. */
  private atPosition<T>(path: string, text: string, ask: (conn: LspConnection, uri: string) => Promise<T>): Promise<T> {
    const uri = pathToFileURL(path).href;
    return this.locked(uri, () =>
      this.withConnection(async (conn) => {
        await this.sync(conn, path, uri, text);
        return ask(conn, uri);
      }),
    );
  }

  /** Whether the running server has `path` open (a warm document: queries on it pay no first-analysis cost). */
  isOpen(path: string): boolean {
    return !!this.current?.alive && this.open.has(pathToFileURL(path).href);
  }

  /** Where the symbol at `offset` of the overlay `text` is defined (file URIs; [] when unknown). */
  async definition(path: string, text: string, offset: number): Promise<string[]> {
    return this.atPosition(path, text, async (conn, uri) => {
      const result = await conn.request(DefinitionRequest.type, { textDocument: { uri }, position: positionAt(text, offset) }, this.requestTimeoutMs);
      const list: (Location | LocationLink)[] = result ? (Array.isArray(result) ? result : [result]) : [];
      return list.map((l) => ('targetUri' in l ? l.targetUri : l.uri));
    });
  }

  /** Tells the server the overlay text of a file without asking anything (other files' edits matter too). */
  async setDocument(path: string, text: string): Promise<void> {
    await this.atPosition(path, text, async () => undefined);
  }

  /** `completionItem/resolve` (details such as signatures). */
  async resolve(item: CompletionItem): Promise<CompletionItem> {
    return this.withConnection((conn) => conn.request(CompletionResolveRequest.type, item, this.requestTimeoutMs));
  }

  /** Forgets an overlay document (didClose). */
  async close(path: string): Promise<void> {
    const uri = pathToFileURL(path).href;
    await this.locked(uri, async () => {
      if (!this.open.delete(uri) || !this.current?.alive) return;
      await this.current.notify(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    });
  }

  /** Shuts the server down (shutdown/exit, then kill); later calls fail with `disposed`. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const conn = this.current ?? (await this.starting?.catch(() => undefined));
    this.current = undefined;
    await conn?.stop();
  }

  /** Waits until the current server process (if any) has exited; for tests. */
  async exited(timeoutMs = 5000): Promise<boolean> {
    const conn = this.current;
    if (!conn) return true;
    return Promise.race([conn.exited.then(() => true), delay(timeoutMs).then(() => false)]);
  }
}

function normalizeList(result: CompletionList | CompletionItem[] | null): CompletionAnswer {
  if (!result) return { items: [], isIncomplete: false };
  if (Array.isArray(result)) return { items: result, isIncomplete: false };
  const defaults = result.itemDefaults;
  const items = defaults?.data === undefined ? result.items : result.items.map((i) => (i.data === undefined ? { ...i, data: defaults.data } : i));
  return { items, isIncomplete: result.isIncomplete };
}
