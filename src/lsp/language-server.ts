import { pathToFileURL } from 'node:url';
import {
  CompletionRequest,
  CompletionResolveRequest,
  CompletionTriggerKind,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticReportKind,
  DocumentDiagnosticRequest,
  HoverRequest,
  SignatureHelpRequest,
  SignatureHelpTriggerKind,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type Location,
  type LocationLink,
  type SignatureHelp,
} from 'vscode-languageserver-protocol';
import { delay, LspConnection, type RequestLimits } from './connection.js';
import { LspError } from './errors.js';
import type { ServerSpec } from './servers.js';
import { diffChange, positionAt } from './text.js';

export interface LanguageServerOptions {
  /** Limit for one request to a server that is ready; one that does not answer in time is killed and restarted. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /**
   * A server that is starting or loading its project (not ready) is never killed for being slow, only after it
   * has shown no sign of life (no message, no stderr output) for this long. Default 120 s.
   */
  readonly readyTimeoutMs?: number;
  /** Longest wait between restarts of a server that keeps crashing. Default 8 s. */
  readonly maxBackoffMs?: number;
  /** Told of each start, restart, request timeout and unexpected exit (a service counts them in its metrics). */
  readonly onEvent?: ((event: ServerEvent, server: LanguageServer) => void) | undefined;
}

/** What happens to a supervised server: its process starts (first time or again), a request times out, it dies. */
export type ServerEvent = 'start' | 'restart' | 'timeout' | 'exit';

/** Options of one call. */
export interface CallOptions {
  /** Aborting cancels the call: queued, it never runs; in flight, the server is sent `$/cancelRequest`. */
  readonly signal?: AbortSignal | undefined;
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
 *
 * Readiness: a server is *ready* once it has answered a request after starting (all three servers hold their
 * first answers until the project is loaded). Until then its requests are bounded by its silence
 * (`readyTimeoutMs`), not by `requestTimeoutMs`, so a server loading a large project is never killed for being
 * slow; callers that cannot wait (the monitors) ask `ready` first.
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
  private readyFlag = false;
  private loading: Promise<boolean> | undefined;
  private readonly requestTimeoutMs: number;
  private readonly readyTimeoutMs: number;
  private readonly maxBackoffMs: number;
  private readonly onEvent: LanguageServerOptions['onEvent'];
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
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 8_000;
    this.onEvent = options.onEvent;
  }

  /** Process id of the running server (tests kill it to check restarts). */
  get pid(): number | undefined {
    return this.current?.alive ? this.current.pid : undefined;
  }

  /** Whether the running server has answered since it started (its project is loaded). */
  get ready(): boolean {
    return this.readyFlag && !!this.current?.alive;
  }

  /**
   * Whether the running server is still computing an answer we cancelled: a question asked now would wait
   * behind it (callers with a short budget should not ask).
   */
  get busy(): boolean {
    return !!this.current?.alive && this.current.busy;
  }

  /** Starts the server now instead of on first use. */
  async start(): Promise<void> {
    await this.connection();
  }

  private async connection(): Promise<LspConnection> {
    if (this.disposed) throw new LspError('disposed', `${this.spec.name} client was disposed`);
    if (this.starting) return this.starting;
    if (this.current?.alive) return this.current;
    // The connection closed but its process's exit has not been reported yet: account for it now (the exit is
    // counted once, and a restart asked for in between does not hide it).
    if (this.current) this.onExit(this.current);
    const wait = this.nextStartAt - Date.now();
    if (wait > 0) {
      throw new LspError('server-crashing', `${this.spec.name} keeps crashing; next restart in ${wait} ms`);
    }
    this.starts++;
    this.onEvent?.(this.starts > 1 ? 'restart' : 'start', this);
    this.readyFlag = false;
    let conn: LspConnection;
    try {
      conn = LspConnection.spawn(this.spec, this.workspace);
    } catch (e) {
      this.noteCrash();
      throw e;
    }
    // Known at once, so that dispose() can stop a server that hangs while starting.
    this.current = conn;
    this.open = new Map();
    void conn.exited.then(() => this.onExit(conn));
    this.starting = (async () => {
      try {
        await conn.initialize({ silenceMs: this.readyTimeoutMs });
        return conn;
      } catch (e) {
        if (this.current === conn) this.current = undefined;
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
    this.readyFlag = false;
    if (!this.disposed) {
      this.onEvent?.('exit', this);
      this.noteCrash();
    }
  }

  /** Back-off: the first crash restarts at once, then 250 ms, 500 ms, … up to `maxBackoffMs`. */
  private noteCrash(): void {
    this.crashes++;
    const backoff = this.crashes <= 1 ? 0 : Math.min(this.maxBackoffMs, 250 * 2 ** (this.crashes - 2));
    this.nextStartAt = Date.now() + backoff;
  }

  /**
   * Runs `fn` on the connection with the limits of the server's state: a ready server must answer within
   * `requestTimeoutMs`, a loading one must not fall silent for `readyTimeoutMs`. A timeout kills the server so
   * the next call starts a fresh one; a cancellation does not.
   */
  private async withConnection<T>(fn: (conn: LspConnection, limits: RequestLimits) => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.lastUsed = Date.now();
    const conn = await this.connection();
    const limits: RequestLimits = this.readyFlag
      ? { timeoutMs: this.requestTimeoutMs, hangMs: this.requestTimeoutMs, signal }
      : { silenceMs: this.readyTimeoutMs, signal };
    try {
      const result = await fn(conn, limits);
      this.crashes = 0; // a real answer: the server is healthy again
      if (this.current === conn) this.readyFlag = true;
      return result;
    } catch (e) {
      if (e instanceof LspError && e.code === 'timeout') {
        this.onEvent?.('timeout', this);
        conn.kill();
      }
      throw e;
    }
  }

  /**
   * Serializes calls per document so a `didChange` and its query are never interleaved with another's. A call
   * whose signal aborts while it waits for its turn gives up at once and, when its turn comes, does nothing.
   */
  private async locked<T>(uri: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.locks.get(uri) ?? Promise.resolve();
    const guarded = () => (signal?.aborted ? Promise.reject(new LspError('cancelled', 'cancelled before its turn')) : fn());
    const run = previous.then(guarded, guarded);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(uri, settled);
    try {
      if (!signal) return await run;
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(new LspError('cancelled', 'cancelled while waiting for the document'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([run, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort!);
      }
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
  async completion(path: string, text: string, offset: number, triggerCharacter?: string, options: CallOptions = {}): Promise<CompletionAnswer> {
    return this.atPosition(
      path,
      text,
      async (conn, uri, limits) => {
        const result = await conn.request(
          CompletionRequest.type,
          {
            textDocument: { uri },
            position: positionAt(text, offset),
            context: triggerCharacter
              ? { triggerKind: CompletionTriggerKind.TriggerCharacter, triggerCharacter }
              : { triggerKind: CompletionTriggerKind.Invoked },
          },
          limits,
        );
        return normalizeList(result);
      },
      options.signal,
    );
  }

  /** `textDocument/signatureHelp` at `offset` of the overlay `text` (null when the server sees no call there). */
  async signatureHelp(path: string, text: string, offset: number, options: CallOptions = {}): Promise<SignatureHelp | null> {
    return this.atPosition(
      path,
      text,
      (conn, uri, limits) =>
        conn.request(
          SignatureHelpRequest.type,
          {
            textDocument: { uri },
            position: positionAt(text, offset),
            context: { triggerKind: SignatureHelpTriggerKind.Invoked, isRetrigger: false },
          },
          limits,
        ),
      options.signal,
    );
  }

  /** `textDocument/hover` at `offset`: the hover's text (markdown or plain), or undefined. */
  async hover(path: string, text: string, offset: number, options: CallOptions = {}): Promise<string | undefined> {
    return this.atPosition(
      path,
      text,
      async (conn, uri, limits) => {
        const result = await conn.request(HoverRequest.type, { textDocument: { uri }, position: positionAt(text, offset) }, limits);
        const contents = result?.contents;
        if (!contents) return undefined;
        const parts = Array.isArray(contents) ? contents : [contents];
        return parts.map((p) => (typeof p === 'string' ? p : p.value)).join('\n');
      },
      options.signal,
    );
  }

  /** Runs `ask` on the connection once the server's copy of `path` is `text`, serialized per document. */
  private atPosition<T>(
    path: string,
    text: string,
    ask: (conn: LspConnection, uri: string, limits: RequestLimits) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const uri = pathToFileURL(path).href;
    return this.locked(
      uri,
      () =>
        this.withConnection(async (conn, limits) => {
          await this.sync(conn, path, uri, text);
          return ask(conn, uri, limits);
        }, signal),
      signal,
    );
  }

  /** Whether the running server has `path` open (a warm document: queries on it pay no first-analysis cost). */
  isOpen(path: string): boolean {
    return !!this.current?.alive && this.open.has(pathToFileURL(path).href);
  }

  /**
   * Makes sure the server is starting or loading with `path` open as `text`, and resolves when it is ready
   * (true) or could not get there (false). One load at a time: later calls share it. Never throws.
   */
  whenReady(path: string, text: string): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    this.loading ??= this.completion(path, text, 0)
      .then(
        () => true,
        () => false,
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Where the symbol at `offset` of the overlay `text` is defined (file URIs; [] when unknown). */
  async definition(path: string, text: string, offset: number, options: CallOptions = {}): Promise<string[]> {
    return this.atPosition(
      path,
      text,
      async (conn, uri, limits) => {
        const result = await conn.request(DefinitionRequest.type, { textDocument: { uri }, position: positionAt(text, offset) }, limits);
        const list: (Location | LocationLink)[] = result ? (Array.isArray(result) ? result : [result]) : [];
        return list.map((l) => ('targetUri' in l ? l.targetUri : l.uri));
      },
      options.signal,
    );
  }

  /**
   * The diagnostics of the overlay `text` of `path` (`textDocument/diagnostic`, pull diagnostics: TypeScript
   * 7's server). Bounded like every request; a server without pull diagnostics answers with an error.
   */
  async diagnostics(path: string, text: string, options: CallOptions = {}): Promise<readonly Diagnostic[]> {
    return this.atPosition(
      path,
      text,
      async (conn, uri, limits) => {
        const report = await conn.request(DocumentDiagnosticRequest.type, { textDocument: { uri } }, limits);
        return report.kind === DocumentDiagnosticReportKind.Full ? report.items : [];
      },
      options.signal,
    );
  }

  /** Tells the server the overlay text of a file without asking anything (other files' edits matter too). */
  async setDocument(path: string, text: string): Promise<void> {
    await this.atPosition(path, text, async () => undefined);
  }

  /** `completionItem/resolve` (details such as signatures). */
  async resolve(item: CompletionItem, options: CallOptions = {}): Promise<CompletionItem> {
    return this.withConnection((conn, limits) => conn.request(CompletionResolveRequest.type, item, limits), options.signal);
  }

  /** Forgets an overlay document (didClose). */
  async close(path: string): Promise<void> {
    const uri = pathToFileURL(path).href;
    await this.locked(uri, async () => {
      if (!this.open.delete(uri) || !this.current?.alive) return;
      await this.current.notify(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    });
  }

  /** Shuts the server down (shutdown/exit, then kill; a server still starting is killed); later calls fail with `disposed`. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const conn = this.current;
    this.current = undefined;
    if (!conn) return;
    if (this.starting) conn.kill();
    else await conn.stop();
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
