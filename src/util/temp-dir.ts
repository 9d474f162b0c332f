import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from './process.js';

const live = new Set<string>();
let exitHook = false;

/**
 * Removes folders `<prefix><pid>-*` in the temp folder whose process is gone (left by a run that was killed),
 * and folders of the older `<prefix>*` form (no pid) that are over an hour old.
 */
export function sweepStaleTempDirs(prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const path = join(tmpdir(), name);
    const pid = /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
    try {
      const stale = pid !== undefined ? !isProcessAlive(Number(pid)) : Date.now() - statSync(path).mtimeMs > 3_600_000;
      if (stale) rmSync(path, { recursive: true, force: true });
    } catch {
      // another process got there first
    }
  }
}

/**
 * A fresh folder `<prefix><pid>-XXXXXX` in the temp folder. It is removed by `remove()`, or when the process
 * exits (the CLI turns SIGINT, SIGTERM and SIGHUP into an exit), and swept by the next run if the process was
 * killed outright.
 */
export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  sweepStaleTempDirs(prefix);
  const path = mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
  live.add(path);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const dir of live) rmSync(dir, { recursive: true, force: true });
    });
  }
  return {
    path,
    remove: () => {
      live.delete(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
