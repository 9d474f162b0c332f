import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EngineError, type Endpoint } from './engine-client.js';

export interface LocalEngineOptions {
  /** The bundled engine's CLI (`engine/dist/src/cli/main.js`). */
  readonly main: string;
  readonly modelDir?: string | undefined;
  /** The window's workspace folders: the only roots the engine may read. */
  readonly roots: () => readonly string[];
  readonly log: (line: string) => void;
  /** Longest wait for the engine to be ready (model loaded). */
  readonly startTimeoutMs?: number;
}

/**
 * The bundled `lsp-codegen serve`, run as a child process on loopback with a random port and token. Started on
 * first use, started again as soon as it dies (at most once per 5 s; a request meanwhile waits for it), stopped
 * on dispose.
 */
export class LocalEngine {
  private child: ChildProcess | undefined;
  private starting: Promise<Endpoint> | undefined;
  private endpointValue: Endpoint | undefined;
  private lastStart = 0;
  private disposed = false;
  /** Children being stopped on purpose (their exit is not a crash). */
  private readonly stopping = new WeakSet<ChildProcess>();

  constructor(private readonly options: LocalEngineOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  endpoint(): Promise<Endpoint> {
    if (this.disposed) return Promise.reject(new EngineError('the local engine was stopped'));
    if (this.endpointValue && this.child && this.child.exitCode === null) return Promise.resolve(this.endpointValue);
    return (this.starting ??= this.start().finally(() => (this.starting = undefined)));
  }

  private async start(): Promise<Endpoint> {
    const wait = this.lastStart + 5000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    this.lastStart = Date.now();
    const token = randomBytes(24).toString('hex');
    const args = [this.options.main, 'serve', '--host', '127.0.0.1', '--port', '0', ...this.options.roots().flatMap((r) => ['--workspace-root', r])];
    if (this.options.modelDir) args.push('--model', this.options.modelDir);
    // The extension host may be Electron: run its binary as plain Node. The token goes in the environment,
    // where other users cannot read it (a flag would show in `ps`).
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', LSP_CODEGEN_TOKEN: token } });
    this.child = child;
    this.options.log(`engine: starting (pid ${child.pid})`);
    return new Promise<Endpoint>((resolve, reject) => {
      let out = '';
      let err = '';
      let url: string | undefined;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new EngineError(`the local engine did not start within ${(this.options.startTimeoutMs ?? 120_000) / 1000} s`));
      }, this.options.startTimeoutMs ?? 120_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        url ??= /listening on (http:\/\/\S+)/.exec(out)?.[1];
        if (url && out.includes('serve: ready')) {
          clearTimeout(timer);
          this.endpointValue = { url, token };
          this.options.log(`engine: ready at ${url}`);
          resolve(this.endpointValue);
        }
      });
      child.stderr!.on('data', (d: Buffer) => {
        err += d;
        for (const line of String(d).split('\n')) if (line.trim()) this.options.log(`engine: ${line.trim()}`);
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new EngineError(`the local engine cannot start: ${e.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        // Only an engine that was serving is started again by itself; one that failed to start is retried on
        // the next request (a broken model directory must not respawn forever).
        const wasServing = this.child === child && this.endpointValue !== undefined;
        if (this.child === child) {
          this.child = undefined;
          this.endpointValue = undefined;
        }
        if (!this.disposed && !this.stopping.has(child)) {
          this.options.log(`engine: exited (${signal ?? `code ${code}`})`);
        }
        if (wasServing && !this.disposed && !this.stopping.has(child)) {
          this.options.log('engine: starting it again');
          // Back at once (within the restart limit), so the next keystroke does not wait for the model to load.
          setTimeout(() => void this.endpoint().catch((e: Error) => this.options.log(`engine: restart failed: ${e.message}`)), 0);
        }
        const why = err.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${signal ?? code}`;
        reject(new EngineError(`the local engine stopped: ${why}`));
      });
    });
  }

  /** Stops the engine (SIGTERM: it finishes what it is doing, briefly) and starts a fresh one on next use. */
  async restart(): Promise<void> {
    await this.stopChild();
    this.lastStart = 0;
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.endpointValue = undefined;
    if (!child || child.exitCode !== null) return;
    this.stopping.add(child);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stopChild();
  }
}
