import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import {
  CancellationTokenSource,
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  ConfigurationRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  RegistrationRequest,
  ShutdownRequest,
  TextDocumentSyncKind,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  WorkspaceFoldersRequest,
  type ClientCapabilities,
  type ConfigurationParams,
  type InitializeResult,
  type ProtocolNotificationType,
  type ProtocolNotificationType0,
  type ProtocolRequestType,
  type ProtocolRequestType0,
} from 'vscode-languageserver-protocol';
import { withDeadline } from '../util/deadline.js';
import { timerDelay } from '../util/timer.js';
import { LspError } from './errors.js';
import type { ServerSpec } from './servers.js';

/** What this client can handle; servers shape their answers by it. */
const CLIENT_CAPABILITIES: ClientCapabilities = {
  workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: false } },
  window: { workDoneProgress: true },
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: false, willSave: false },
    completion: {
      dynamicRegistration: false,
      contextSupport: true,
      completionItem: {
        snippetSupport: false,
        labelDetailsSupport: true,
        documentationFormat: ['plaintext', 'markdown'],
        resolveSupport: { properties: ['detail', 'documentation'] },
        insertReplaceSupport: false,
      },
      completionList: { itemDefaults: ['commitCharacters', 'editRange', 'insertTextFormat', 'data'] },
    },
    hover: { dynamicRegistration: false, contentFormat: ['plaintext', 'markdown'] },
    signatureHelp: {
      dynamicRegistration: false,
      signatureInformation: { parameterInformation: { labelOffsetSupport: true }, activeParameterSupport: true },
      contextSupport: true,
    },
    publishDiagnostics: { relatedInformation: false },
    diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
  },
};

const STDERR_TAIL = 4000;

/** How one request is bounded: by a deadline, by the server's silence, and/or by the caller's signal. */
export interface RequestLimits {
  /** Give up (`timeout`) after this long. */
  readonly timeoutMs?: number | undefined;
  /**
   * Give up (`timeout`) only once the server has shown no sign of life (no message of any kind — progress,
   * log, diagnostics, answers — and no output on stderr) for this long: for a server that is still loading.
   */
  readonly silenceMs?: number | undefined;
  /** Aborting cancels the request on the server (`$/cancelRequest`) and rejects it with `cancelled` at once. */
  readonly signal?: AbortSignal | undefined;
  /**
   * After a cancellation the server must still answer the request (LSP answers every request, a cancelled one
   * with an error) within this long, else it is hung and is killed: a caller that always gives up early must
   * not keep a frozen server alive.
   */
  readonly hangMs?: number | undefined;
}

/**
 * One running language-server process and its JSON-RPC connection, from spawn to exit. It answers the
 * server's own requests and bounds every request of ours. Restarting is the supervisor's job
 * (`LanguageServer`). While no request is in flight, the process and its pipes do not keep the caller's
 * Node.js process alive.
 */
export class LspConnection {
  /** Requests cancelled after they were sent whose answer has not come yet. */
  private abandoned = 0;
  private exitReason: string | undefined;
  private killed = false;
  private stderrTail = '';
  private inflight = 0;
  /** When the server last showed a sign of life (any message, or stderr output). */
  lastActivity = Date.now();
  readonly exited: Promise<string>;
  capabilities: InitializeResult['capabilities'] = {};

  private constructor(
    readonly spec: ServerSpec,
    private readonly child: ChildProcess,
    private readonly rpc: MessageConnection,
    readonly workspace: string,
  ) {
    this.exited = new Promise((resolve) => {
      const done = (reason: string) => {
        if (this.exitReason !== undefined) return;
        this.exitReason = reason;
        rpc.dispose();
        resolve(reason);
      };
      child.once('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exited with code ${code}`));
      child.once('error', (e) => done(`failed: ${e.message}`));
    });
    child.stdin?.on('error', () => undefined); // EPIPE after a crash surfaces as server-exited instead
    // A server whose pipes closed is of no use: make sure the process goes too (`exited` follows its exit).
    rpc.onClose(() => this.kill());
    child.stderr?.on('data', (d: Buffer) => {
      this.lastActivity = Date.now();
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    this.holdProcess(false);
  }

  /** Spawns the server in `workspace`; `initialize` must follow before anything else is sent. */
  static spawn(spec: ServerSpec, workspace: string): LspConnection {
    const { command, args } = spec.launch();
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], { cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    } catch (e) {
      throw new LspError('spawn-failed', `cannot start ${spec.name}: ${(e as Error).message}`);
    }
    const rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const conn = new LspConnection(spec, child, rpc, workspace);
    conn.answerServerRequests();
    rpc.listen();
    return conn;
  }

  /** The `initialize` / `initialized` handshake; on failure the process is killed. */
  async initialize(limits: RequestLimits): Promise<void> {
    const rootUri = pathToFileURL(this.workspace).href;
    try {
      const result = await this.request(
        InitializeRequest.type,
        {
          processId: process.pid,
          rootUri,
          rootPath: this.workspace,
          workspaceFolders: [{ uri: rootUri, name: 'workspace' }],
          capabilities: CLIENT_CAPABILITIES,
          initializationOptions: this.spec.initializationOptions ?? null,
          clientInfo: { name: 'lsp-codegen' },
        },
        limits,
      );
      this.capabilities = result.capabilities;
      await this.notify(InitializedNotification.type, {});
    } catch (e) {
      this.kill();
      if (e instanceof LspError && e.code === 'server-exited') {
        throw new LspError('spawn-failed', `${this.spec.name} did not start: ${e.message}`);
      }
      throw e;
    }
  }

  /** Spawns and initializes (for callers that need no supervision). */
  static async start(spec: ServerSpec, workspace: string, limits: RequestLimits): Promise<LspConnection> {
    const conn = LspConnection.spawn(spec, workspace);
    await conn.initialize(limits);
    return conn;
  }

  /** Keeps the caller's event loop alive only while a request is in flight. */
  private holdProcess(hold: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as ({ ref?: () => void; unref?: () => void } | null)[];
    for (const h of handles) (hold ? h?.ref : h?.unref)?.call(h);
  }

  /** Running and usable: not exited, and not being killed. */
  get alive(): boolean {
    return this.exitReason === undefined && !this.killed;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the server accepts incremental `didChange` events. */
  get incrementalSync(): boolean {
    const sync = this.capabilities.textDocumentSync;
    const kind = typeof sync === 'number' ? sync : sync?.change;
    return kind === TextDocumentSyncKind.Incremental;
  }

  private answerServerRequests(): void {
    const rootUri = pathToFileURL(this.workspace).href;
    this.rpc.onRequest(ConfigurationRequest.method, (params: ConfigurationParams) => {
      this.lastActivity = Date.now();
      return params.items.map((item) => this.spec.configuration(item.section));
    });
    this.rpc.onRequest(RegistrationRequest.method, () => null);
    this.rpc.onRequest(UnregistrationRequest.method, () => null);
    this.rpc.onRequest(WorkDoneProgressCreateRequest.method, () => null);
    this.rpc.onRequest(WorkspaceFoldersRequest.method, () => [{ uri: rootUri, name: 'workspace' }]);
    // Anything else the server asks (showMessageRequest, applyEdit, …) gets an empty answer.
    this.rpc.onRequest(() => null);
    // Every message is a sign of life: progress while a project loads (vscode-jsonrpc routes `$/progress`
    // apart from other notifications), logs, diagnostics.
    const alive = () => {
      this.lastActivity = Date.now();
    };
    this.rpc.onNotification(alive);
    this.rpc.onUnhandledProgress(alive);
  }

  /**
   * Sends a request, bounded by `limits`: rejects with `timeout` (deadline passed, or the server silent for
   * too long), `cancelled` (the caller's signal; the server is sent `$/cancelRequest`) or `server-exited`.
   */
  async request<P, R>(
    type: ProtocolRequestType<P, R, any, any, any> | ProtocolRequestType0<R, any, any, any>,
    params: P,
    limits: RequestLimits,
  ): Promise<R> {
    if (!this.alive) throw new LspError('server-exited', `${this.spec.name} is not running (${this.exitReason ?? 'killed'})`);
    if (limits.signal?.aborted) throw new LspError('cancelled', `${type.method} was cancelled before it was sent`);
    const cancel = new CancellationTokenSource();
    const timers: NodeJS.Timeout[] = [];
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      const fail = (error: LspError) => {
        cancel.cancel(); // vscode-jsonrpc sends $/cancelRequest for a pending request
        reject(error);
      };
      if (limits.timeoutMs !== undefined) {
        timers.push(setTimeout(() => fail(new LspError('timeout', `${this.spec.name} did not answer ${type.method} within ${limits.timeoutMs} ms`)), timerDelay(limits.timeoutMs)));
      }
      if (limits.silenceMs !== undefined) {
        const silence = limits.silenceMs;
        const check = () => {
          const quiet = Date.now() - this.lastActivity;
          if (quiet >= silence) fail(new LspError('timeout', `${this.spec.name} showed no sign of life for ${Math.round(quiet / 1000)} s during ${type.method}`));
          else timers.push(setTimeout(check, timerDelay(silence - quiet + 10)));
        };
        timers.push(setTimeout(check, timerDelay(silence)));
      }
      if (limits.signal) {
        onAbort = () => fail(new LspError('cancelled', `${type.method} was cancelled`));
        limits.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    const exited = this.exited.then((reason): never => {
      throw new LspError('server-exited', `${this.spec.name} ${reason} during ${type.method}${this.stderrHint()}`);
    });
    exited.catch(() => undefined); // settles after the race when the request ends first: not an unhandled rejection
    stopped.catch(() => undefined);
    let sent: Promise<R> | undefined;
    return this.held(async () => {
      try {
        sent =
          params === undefined
            ? this.rpc.sendRequest(type.method, cancel.token)
            : this.rpc.sendRequest(type.method, params, cancel.token);
        const result = await Promise.race([sent, stopped, exited]);
        this.lastActivity = Date.now();
        return result;
      } catch (e) {
        if (e instanceof LspError && e.code === 'cancelled' && sent) {
          // The server may go on computing the answer (not every server stops at $/cancelRequest): until it
          // answers, anything asked next waits behind it.
          this.abandoned++;
          const settled = () => this.abandoned--;
          sent.then(settled, settled);
          if (limits.hangMs !== undefined) this.watchCancelled(sent, limits.hangMs);
        }
        if (e instanceof LspError) throw e;
        // An error answer is the server's; anything else is the connection going away (the process's exit event
        // may not have arrived yet).
        if (!this.alive || !(e instanceof ResponseError)) {
          throw new LspError('server-exited', `${this.spec.name} ${this.exitReason ?? 'closed the connection'} during ${type.method}`);
        }
        throw new LspError('request-failed', `${this.spec.name} failed ${type.method}: ${e.message}`);
      } finally {
        for (const t of timers) clearTimeout(t);
        if (onAbort) limits.signal?.removeEventListener('abort', onAbort);
        cancel.dispose();
      }
    });
  }

  /** Whether the server still works on a request we cancelled (it has not answered it yet). */
  get busy(): boolean {
    return this.abandoned > 0;
  }

  /** Runs `fn` with the caller's process held alive (the process and its pipes referenced) until it settles. */
  private async held<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inflight++ === 0) this.holdProcess(true);
    try {
      return await fn();
    } finally {
      if (--this.inflight === 0) this.holdProcess(false);
    }
  }

  /** Kills the server if it does not answer a cancelled request within `hangMs`. */
  private watchCancelled(sent: Promise<unknown>, hangMs: number): void {
    const timer = setTimeout(() => this.alive && this.kill(), timerDelay(hangMs));
    timer.unref(); // a watch, not a reason to keep the caller running
    const answered = () => clearTimeout(timer);
    sent.then(answered, answered);
  }

  async notify<P>(type: ProtocolNotificationType<P, any> | ProtocolNotificationType0<any>, params: P): Promise<void> {
    if (!this.alive) throw new LspError('server-exited', `${this.spec.name} is not running (${this.exitReason ?? 'killed'})`);
    try {
      await (params === undefined ? this.rpc.sendNotification(type.method) : this.rpc.sendNotification(type.method, params));
    } catch (e) {
      // A notification fails only when the connection is going away (its exit event may still be on its way).
      throw new LspError('server-exited', `${this.spec.name} could not be sent ${type.method}: ${(e as Error).message}`);
    }
  }

  private stderrHint(): string {
    const line = this.stderrTail.trim().split('\n').pop();
    return line ? `; last stderr line: ${line.slice(0, 300)}` : '';
  }

  /** Polite `shutdown` + `exit`, then a kill if the process is still there after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.alive) return;
    // The caller awaits this: keep its process running until the server is gone.
    await this.held(async () => {
      try {
        await this.request(ShutdownRequest.type, undefined, { timeoutMs: graceMs });
        await this.notify(ExitNotification.type, undefined);
      } catch {
        // a hung or dead server is killed below
      }
      if ((await withDeadline(this.exited, graceMs)) === 'timeout') this.kill();
    });
  }

  /** Kills the process (SIGKILL) at once. */
  kill(): void {
    this.killed = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    this.rpc.dispose();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
