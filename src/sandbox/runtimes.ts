import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { SandboxError } from './errors.js';
import { findExecutable, runtimeMounts } from './sandbox.js';

/** An interpreter the sandbox runs: its executable and the host folders it needs besides `/usr`. */
export interface Runtime {
  readonly command: string;
  readonly mounts: readonly string[];
}

/** Where a system Python lives (searched first: it is readable by the sandbox's `nobody`). */
const SYSTEM_BIN = '/usr/local/bin:/usr/bin:/bin';

let python: Runtime | undefined;

/**
 * The Python that runs candidate programs and reads test snippets: the system's `python3`, else the one on
 * the caller's PATH (resolved through shims such as pyenv's to the real binary). Fails loudly without one.
 */
export function pythonRuntime(): Runtime {
  if (python) return python;
  let command = findExecutable('python3', SYSTEM_BIN);
  if (!command) {
    const onPath = findExecutable('python3');
    if (onPath) {
      try {
        command = execFileSync(onPath, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 10_000 }).trim();
        accessSync(command, constants.X_OK);
      } catch {
        command = undefined;
      }
    }
  }
  if (!command) throw new SandboxError('missing-tool', 'running Python tests needs "python3" (install the Debian package python3: npm run setup)');
  python = { command, mounts: runtimeMounts(command) };
  return python;
}

/** The Node.js that runs JavaScript and TypeScript candidates: this process's own. */
export function nodeRuntime(): Runtime {
  return { command: process.execPath, mounts: runtimeMounts(process.execPath) };
}
