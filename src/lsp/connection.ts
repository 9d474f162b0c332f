import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import {
  CancellationTokenSource,
  createMessageConnection,
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
    publishDiagnostics: { relatedInformation: false },
  },
};

const STDERR_TAIL = 4000;

export interface ConnectionOptions {
  /** Limit for `initialize` (the server's cold start). */
  readonly initializeTimeoutMs: number;
}

/**
 * One running language-server process and its JSON-RPC connection, from spawn to exit. It answers the
 * server's own requests and gives every request of ours a time limit. Restarting is the supervisor's job
 * (`LanguageServer`).
 */
export class LspConnection {
  private exitReason: string | undefined;
  private killed = false;
  private stderrTail = '';
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
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
    });
  }

  /** Spawns the server in `workspace` and runs the `initialize` / `initialized` handshake. */
  static async start(spec: ServerSpec, workspace: string, options: ConnectionOptions): Promise<LspConnection> {
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
    const rootUri = pathToFileURL(workspace).href;
    try {
      const result = await conn.request(
        InitializeRequest.type,
        {
          processId: process.pid,
          rootUri,
          rootPath: workspace,
          workspaceFolders: [{ uri: rootUri, name: 'workspace' }],
          capabilities: CLIENT_CAPABILITIES,
          initializationOptions: spec.initializationOptions ?? null,
          clientInfo: { name: 'lsp-codegen' },
        },
        options.initializeTimeoutMs,
      );
      conn.capabilities = result.capabilities;
      await conn.notify(InitializedNotification.type, {});
    } catch (e) {
      conn.kill();
      if (e instanceof LspError && e.code === 'server-exited') {
        throw new LspError('spawn-failed', `${spec.name} did not start: ${e.message}`);
      }
      throw e;
    }
    return conn;
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
    this.rpc.onRequest(ConfigurationRequest.method, (params: ConfigurationParams) =>
      params.items.map((item) => this.spec.configuration(item.section)),
    );
    this.rpc.onRequest(RegistrationRequest.method, () => null);
    this.rpc.onRequest(UnregistrationRequest.method, () => null);
    this.rpc.onRequest(WorkDoneProgressCreateRequest.method, () => null);
    this.rpc.onRequest(WorkspaceFoldersRequest.method, () => [{ uri: rootUri, name: 'workspace' }]);
    // Anything else the server asks (showMessageRequest, applyEdit, …) gets an empty answer.
    this.rpc.onRequest(() => null);
    this.rpc.onNotification(() => undefined);
  }

  /** Sends a request; rejects with `timeout` after `timeoutMs` or `server-exited` if the process goes away. */
  async request<P, R>(
    type: ProtocolRequestType<P, R, any, any, any> | ProtocolRequestType0<R, any, any, any>,
    params: P,
    timeoutMs: number,
  ): Promise<R> {
    if (!this.alive) throw new LspError('server-exited', `${this.spec.name} is not running (${this.exitReason ?? 'killed'})`);
    const cancel = new CancellationTokenSource();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cancel.cancel();
        reject(new LspError('timeout', `${this.spec.name} did not answer ${type.method} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    const exited = this.exited.then((reason): never => {
      throw new LspError('server-exited', `${this.spec.name} ${reason} during ${type.method}${this.stderrHint()}`);
    });
    exited.catch(() => undefined); // settles after the race when the request ends first: not an unhandled rejection
    try {
      const sent: Promise<R> =
        params === undefined
          ? this.rpc.sendRequest(type.method, cancel.token)
          : this.rpc.sendRequest(type.method, params, cancel.token);
      return await Promise.race([sent, timeout, exited]);
    } catch (e) {
      if (e instanceof LspError) throw e;
      if (!this.alive) throw new LspError('server-exited', `${this.spec.name} ${this.exitReason} during ${type.method}`);
      throw new LspError('request-failed', `${this.spec.name} failed ${type.method}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
      cancel.dispose();
    }
  }

  async notify<P>(type: ProtocolNotificationType<P, any> | ProtocolNotificationType0<any>, params: P): Promise<void> {
    if (!this.alive) throw new LspError('server-exited', `${this.spec.name} is not running (${this.exitReason ?? 'killed'})`);
    try {
      await (params === undefined ? this.rpc.sendNotification(type.method) : this.rpc.sendNotification(type.method, params));
    } catch (e) {
      const code = this.alive ? 'request-failed' : 'server-exited';
      throw new LspError(code, `${this.spec.name} could not be sent ${type.method}: ${(e as Error).message}`);
    }
  }

  private stderrHint(): string {
    const line = this.stderrTail.trim().split('\n').pop();
    return line ? `; last stderr line: ${line.slice(0, 300)}` : '';
  }

  /** Polite `shutdown` + `exit`, then a kill if the process is still there after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.alive) return;
    try {
      await this.request(ShutdownRequest.type, undefined, graceMs);
      await this.notify(ExitNotification.type, undefined);
    } catch {
      // a hung or dead server is killed below
    }
    const gone = await Promise.race([this.exited.then(() => true), delay(graceMs).then(() => false)]);
    if (!gone) this.kill();
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
