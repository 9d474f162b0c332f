import { hostname } from 'node:os';
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { isProcessAlive } from './process.js';

export class LockError extends Error {
  override readonly name = 'LockError';
}

/**
 * Takes `path` as a lock file for this process (it holds `pid@host`), or throws `LockError` naming the holder
 * when another live process on this machine has it. A lock left by a process that is gone is taken over.
 * Returns the release function (also run if the process exits before).
 */
export function acquireLock(path: string, what: string): () => void {
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        try {
          if (readFileSync(path, 'utf8') === me) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = '';
    try {
      holder = readFileSync(path, 'utf8').trim();
    } catch {
      continue; // released meanwhile
    }
    const [pid, host] = holder.split('@');
    const stale = host === hostname() && Number.isInteger(Number(pid)) && !isProcessAlive(Number(pid));
    if (!stale) throw new LockError(`${what} is in use by another process (${holder || 'unknown'}; lock file ${path})`);
    rmSync(path, { force: true });
  }
  throw new LockError(`cannot take the lock ${path}`);
}
