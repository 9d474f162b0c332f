import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxError, type RunEnd } from './errors.js';

/** Limits of one sandboxed run. */
export interface SandboxLimits {
  /** Wall-clock limit; the whole process tree is killed after it. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Address-space cap. Default 1024 MiB. */
  readonly memoryMb?: number;
  /** Bytes of stdout + stderr kept; printing more kills the run. Default 256 KiB. */
  readonly outputLimitBytes?: number;
}

/** A program to run: files for the private work directory, and the command (run inside it as `/work`). */
export interface SandboxJob extends SandboxLimits {
  /**
   * Address space to allow on top of `memoryMb` for runtimes that reserve large virtual ranges up front
   * (V8 does, and will not start under a tight address-space cap; its heap is capped by its own flag).
   */
  readonly reservedMb?: number;
  readonly files: Readonly<Record<string, string>>;
  readonly command: readonly string[];
  /** Written to the program's standard input, then closed. */
  readonly stdin?: string;
}

export interface SandboxRun {
  readonly end: RunEnd;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

const NOBODY = '65534';
/** Processes (threads count) the sandboxed user may have: enough for Node's thread pool, not for a fork bomb. */
const NPROC = 48;

let toolsChecked = false;

/** Fails loudly when the sandbox's tools are not installed (Debian `bubblewrap`; `prlimit`/`setpriv` from util-linux). */
export function checkSandboxTools(): void {
  if (toolsChecked) return;
  for (const tool of ['bwrap', 'prlimit', 'setpriv']) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new SandboxError(
        'missing-tool',
        `the sandbox needs "${tool}" (install the Debian packages bubblewrap and util-linux: npm run setup)`,
      );
    }
  }
  toolsChecked = true;
}

/**
 * Runs untrusted code in a real sandbox: bubblewrap with every namespace unshared (no network, its own pids),
 * the whole file system read-only except a fresh private work directory, run as user `nobody` (so the process
 * limit holds), with `prlimit` caps on address space, processes, CPU time and file size, a wall-clock timeout
 * that kills the whole tree, and an output cap. The caller survives whatever the program does.
 */
export async function runSandboxed(job: SandboxJob): Promise<SandboxRun> {
  checkSandboxTools();
  const timeoutMs = job.timeoutMs ?? 5000;
  const memoryBytes = ((job.memoryMb ?? 1024) + (job.reservedMb ?? 0)) * 2 ** 20;
  const outputLimit = job.outputLimitBytes ?? 256 * 1024;
  const work = mkdtempSync(join(tmpdir(), 'lsp-codegen-sbx-'));
  try {
    chmodSync(work, 0o777); // written by `nobody` inside
    for (const [name, content] of Object.entries(job.files)) {
      if (name.includes('/') || name.startsWith('.')) throw new SandboxError('setup-failed', `bad file name ${name}`);
      writeFileSync(join(work, name), content);
    }
    const cpuSeconds = Math.max(1, Math.ceil(timeoutMs / 1000) + 1);
    // As root, drop to `nobody` first: root ignores the process limit. Others run bwrap as themselves.
    const asNobody = process.getuid?.() === 0 ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] : [];
    const [command, ...args] = [
      ...asNobody,
      'bwrap',
      '--ro-bind', '/', '/',
      '--dev', '/dev',
      '--proc', '/proc',
      '--tmpfs', '/tmp',
      '--bind', work, '/work',
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--chdir', '/work',
      '--setenv', 'HOME', '/work',
      'prlimit',
      `--as=${memoryBytes}`,
      `--nproc=${NPROC}`,
      `--cpu=${cpuSeconds}`,
      `--fsize=${outputLimit * 4}`,
      '--',
      ...job.command,
    ];
    return await supervise(spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true }), job.stdin, timeoutMs, outputLimit);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function supervise(
  child: ReturnType<typeof spawn>,
  stdin: string | undefined,
  timeoutMs: number,
  outputLimit: number,
): Promise<SandboxRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let bytes = 0;
    let killedFor: RunEnd | undefined;
    const kill = (why: RunEnd) => {
      killedFor ??= why;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the process group: setpriv/bwrap; the pid namespace dies with it
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    const take = (chunk: Buffer, into: 'out' | 'err') => {
      if (bytes >= outputLimit) return;
      const room = outputLimit - bytes;
      const text = chunk.subarray(0, room).toString('utf8');
      bytes += Math.min(chunk.length, room);
      if (into === 'out') stdout += text;
      else stderr += text;
      if (chunk.length > room) kill('output-limit');
    };
    child.stdout!.on('data', (c: Buffer) => take(c, 'out'));
    child.stderr!.on('data', (c: Buffer) => take(c, 'err'));
    child.stdin!.on('error', () => undefined); // the program may exit without reading its input
    child.stdin!.end(stdin ?? '');
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new SandboxError('setup-failed', `cannot start the sandbox: ${e.message}`));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const end: RunEnd = killedFor ?? classify(exitCode, signal, stderr);
      resolve({ end, exitCode, signal, stdout, stderr, durationMs: Math.round(performance.now() - started) });
    });
  });
}

/** Why a run that we did not kill ended. prlimit's caps show up as signals or as the runtime's own OOM report. */
function classify(exitCode: number | null, signal: NodeJS.Signals | null, stderr: string): RunEnd {
  if (/heap out of memory|MemoryError|Cannot allocate memory|std::bad_alloc/.test(stderr)) return 'memory';
  if (signal === 'SIGXCPU' || exitCode === 128 + 24) return 'cpu';
  if (signal) return 'signal';
  // The sandbox's init reports a signalled child as 128 + signal.
  if (exitCode !== null && exitCode > 128 && exitCode < 128 + 32) return 'signal';
  return 'exit';
}
