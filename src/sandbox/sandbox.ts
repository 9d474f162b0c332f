import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join, posix } from 'node:path';
import type { Writable } from 'node:stream';
import { SandboxError, type RunEnd } from './errors.js';
import { OutputCap } from './output-cap.js';
import { childProcesses } from '../util/process.js';
import { sweepStaleTempDirs } from '../util/temp-dir.js';
import { timerDelay } from '../util/timer.js';

/** Limits of one sandboxed run. */
export interface SandboxLimits {
  /** Wall-clock limit; the whole process tree is killed after it. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Address-space cap. Default 1024 MiB. */
  readonly memoryMb?: number;
  /** Bytes of stdout + stderr + channel kept; writing more kills the run at once. Default 256 KiB. */
  readonly outputLimitBytes?: number;
  /**
   * Size of each writable file system the program sees: its work directory `/work`, `/tmp` and `/dev/shm`
   * (RAM-backed tmpfs mounts that vanish with the run; nothing reaches the host's disk). Default 32 MiB.
   */
  readonly tmpfsMb?: number;
}

/** A program to run: files for its work directory, and the command (run inside it as `/work`). */
export interface SandboxJob extends SandboxLimits {
  /**
   * Address space to allow on top of `memoryMb` for runtimes that reserve large virtual ranges up front
   * (V8 does, and will not start under a tight address-space cap; its heap is capped by its own flag).
   */
  readonly reservedMb?: number;
  /** Files placed read-only in `/work` (plain names, no folders). */
  readonly files: Readonly<Record<string, string>>;
  /** The command; its executable must lie inside the sandbox's file system (`/usr`, or `readOnlyPaths`). */
  readonly command: readonly string[];
  /** Written to the program's standard input, then closed. */
  readonly stdin?: string;
  /** Host folders to show read-only at the same path (an interpreter installed outside `/usr`). */
  readonly readOnlyPaths?: readonly string[];
  /**
   * Open file descriptor 3 in the program as a pipe to the caller (`SandboxRun.channel`): what the harness
   * reports, kept apart from whatever the program prints.
   */
  readonly channel?: boolean;
}

export interface SandboxRun {
  readonly end: RunEnd;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the program wrote to file descriptor 3 (with `channel`). */
  readonly channel: string;
  readonly durationMs: number;
}

const NOBODY = '65534';
/** Processes (threads count) the sandboxed user may have: enough for Node's thread pool, not for a fork bomb. */
const NPROC = 48;
/** The environment inside the sandbox: nothing of the caller's (secrets stay out). */
const SANDBOX_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/work', LANG: 'C.UTF-8' };
const TOOLS = ['bwrap', 'prlimit', 'setpriv'] as const;
type Tool = (typeof TOOLS)[number];

let tools: Record<Tool, string> | undefined;

/** Absolute path of `name` on the caller's PATH, or undefined. */
export function findExecutable(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Fails loudly when the sandbox's tools are not installed (Debian `bubblewrap`; `prlimit`/`setpriv` from util-linux). */
export function checkSandboxTools(): Record<Tool, string> {
  if (tools) return tools;
  const found: Partial<Record<Tool, string>> = {};
  for (const tool of TOOLS) {
    const at = findExecutable(tool);
    if (!at) {
      throw new SandboxError(
        'missing-tool',
        `the sandbox needs "${tool}" (install the Debian packages bubblewrap and util-linux: npm run setup)`,
      );
    }
    found[tool] = at;
  }
  tools = found as Record<Tool, string>;
  // Versions before the sandbox took its files through pipes left work folders behind when interrupted.
  sweepStaleTempDirs('lsp-codegen-sbx-');
  return tools;
}

/**
 * The sandbox's root: `/usr` and the top-level links into it (or, on a system without merged `/usr`, the
 * real `/bin`, `/lib`, … folders), read-only. Nothing else of the host is visible: not the project, not the
 * problem files with their hidden tests, not `/etc`, not the caller's home.
 */
function rootFileSystem(extra: readonly string[]): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const name of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const path = `/${name}`;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else if (stat.isDirectory()) args.push('--ro-bind', path, path);
  }
  for (const dir of extra) args.push('--ro-bind', dir, dir);
  return args;
}

/**
 * Host folders a runtime binary needs when it lives outside `/usr` (an nvm Node, a pyenv Python): its
 * installation prefix (the folder above `bin/`). Empty for binaries under `/usr`.
 */
export function runtimeMounts(executable: string): string[] {
  const real = realpathSync(executable);
  if (real.startsWith('/usr/')) return [];
  const bin = dirname(real);
  return [posix.basename(bin) === 'bin' ? dirname(bin) : bin];
}

/** Processes of runs in flight (process-group leaders), killed if the caller exits while they run. */
const live = new Set<ChildProcess>();
let exitHook = false;

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
};

/**
 * Ends a run and every process in it. The process group (setpriv/bwrap) is frozen first, so that it cannot
 * start anything more; then bwrap's own children — pid 1 of the run's pid namespace, whose death ends every
 * process of the run — are killed by pid, and last the group. Killing only bwrap would rely on its
 * `--die-with-parent`, which a run interrupted in its first milliseconds has not armed yet: its candidate
 * would go on running, orphaned, until its CPU limit.
 */
function killRun(child: ChildProcess): void {
  const pid = child.pid!;
  const group = signal(-pid, 'SIGSTOP');
  for (const inner of childProcesses(pid)) signal(inner, 'SIGKILL');
  if (!(group && signal(-pid, 'SIGKILL'))) child.kill('SIGKILL');
}

function track(child: ChildProcess): void {
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    // bubblewrap's --die-with-parent covers a killed caller; this covers an orderly exit (process.exit on a
    // signal) while runs are still going.
    process.on('exit', () => {
      for (const c of live) killRun(c);
    });
  }
}

/**
 * Runs untrusted code in a real sandbox: bubblewrap with every namespace unshared (no network, its own pids),
 * a minimal read-only root (`/usr` only) and RAM-backed, size-capped writable mounts (`/work`, `/tmp`,
 * `/dev/shm`), an empty environment, run as user `nobody` (so the process limit holds), with `prlimit` caps
 * on address space, processes, CPU time and file size, a wall-clock timeout that kills the whole tree, and an
 * output cap that kills at once. The program's files are handed to bubblewrap through pipes: no work
 * directory is ever created on the host, so an interrupted caller leaves nothing behind.
 */
export async function runSandboxed(job: SandboxJob): Promise<SandboxRun> {
  const tool = checkSandboxTools();
  const timeoutMs = job.timeoutMs ?? 5000;
  const memoryBytes = ((job.memoryMb ?? 1024) + (job.reservedMb ?? 0)) * 2 ** 20;
  const outputLimit = job.outputLimitBytes ?? 256 * 1024;
  const tmpfsBytes = String((job.tmpfsMb ?? 32) * 2 ** 20);
  const files = Object.entries(job.files);
  for (const [name] of files) {
    if (!/^[\w][\w.-]*$/.test(name)) throw new SandboxError('setup-failed', `bad file name ${name}`);
  }
  // Descriptors: 0-2 standard streams, 3 the channel, 4… one pipe per file for bubblewrap to copy.
  const firstFileFd = 4;
  const cpuSeconds = Math.max(1, Math.ceil(timeoutMs / 1000) + 1);
  // As root, drop to `nobody` first: root ignores the process limit. Others run bwrap as themselves.
  const asNobody = process.getuid?.() === 0 ? [tool.setpriv, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] : [];
  const [command, ...args] = [
    ...asNobody,
    tool.bwrap,
    ...rootFileSystem(job.readOnlyPaths ?? []),
    '--dev', '/dev',
    '--size', tmpfsBytes, '--tmpfs', '/dev/shm',
    '--proc', '/proc',
    '--size', tmpfsBytes, '--tmpfs', '/tmp',
    '--size', tmpfsBytes, '--tmpfs', '/work',
    ...files.flatMap(([name], i) => ['--perms', '0444', '--ro-bind-data', String(firstFileFd + i), `/work/${name}`]),
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--chdir', '/work',
    '--clearenv',
    ...Object.entries(SANDBOX_ENV).flatMap(([k, v]) => ['--setenv', k, v]),
    tool.prlimit,
    `--as=${memoryBytes}`,
    `--nproc=${NPROC}`,
    `--cpu=${cpuSeconds}`,
    `--fsize=${outputLimit * 4}`,
    '--',
    ...job.command,
  ];
  const stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe', job.channel ? 'pipe' : 'ignore', ...files.map(() => 'pipe' as const)];
  let child: ChildProcess;
  try {
    child = spawn(command!, args, { stdio, detached: true, env: {} });
  } catch (e) {
    throw new SandboxError('setup-failed', `cannot start the sandbox: ${(e as Error).message}`);
  }
  files.forEach(([, content], i) => {
    const pipe = child.stdio[firstFileFd + i] as Writable;
    pipe.on('error', () => undefined); // bubblewrap failed early: reported by its exit
    pipe.end(content);
  });
  track(child);
  try {
    return await supervise(child, job.stdin, timeoutMs, outputLimit);
  } finally {
    live.delete(child);
  }
}

function supervise(child: ChildProcess, stdin: string | undefined, timeoutMs: number, outputLimit: number): Promise<SandboxRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const cap = new OutputCap(outputLimit);
    const texts = { out: '', err: '', channel: '' };
    let killedFor: RunEnd | undefined;
    const kill = (why: RunEnd) => {
      killedFor ??= why;
      killRun(child);
    };
    const timer = setTimeout(() => kill('timeout'), timerDelay(timeoutMs));
    const take = (into: keyof typeof texts) => (chunk: Buffer) => {
      const { keep, overflow } = cap.take(chunk.length);
      if (keep > 0) texts[into] += chunk.subarray(0, keep).toString('utf8');
      if (overflow) kill('output-limit');
    };
    child.stdout!.on('data', take('out'));
    child.stderr!.on('data', take('err'));
    child.stdio[3]?.on('data', take('channel'));
    child.stdin!.on('error', () => undefined); // the program may exit without reading its input
    child.stdin!.end(stdin ?? '');
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new SandboxError('setup-failed', `cannot start the sandbox: ${e.message}`));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const end: RunEnd = killedFor ?? classify(exitCode, signal, texts.err);
      resolve({
        end,
        exitCode,
        signal,
        stdout: texts.out,
        stderr: texts.err,
        channel: texts.channel,
        durationMs: Math.round(performance.now() - started),
      });
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

