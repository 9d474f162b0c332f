import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/engine/package-root.js';
import { tsgo, type ServerSpec } from '../../src/lsp/servers.js';

const SHIM = join(packageRoot(), 'test', 'helpers', 'loading-server.mjs');

/** The real native TypeScript server behind the fault-injecting relay (see loading-server.mjs). */
export function loadingTsgo(flags: Record<string, string | number>): ServerSpec {
  const real = tsgo.launch();
  return {
    ...tsgo,
    name: 'tsgo behind a relay',
    launch: () => ({ command: process.execPath, args: [SHIM, ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`), '--', real.command, ...real.args] }),
  };
}

/** The real native TypeScript server, frozen (SIGSTOP) by its own shell before it even starts. */
export function frozenTsgo(): ServerSpec {
  const real = tsgo.launch();
  return { ...tsgo, name: 'tsgo frozen at start', launch: () => ({ command: 'sh', args: ['-c', 'kill -STOP $$; exec "$0" "$@"', real.command, ...real.args] }) };
}

/**
 * Stops a process (SIGSTOP) and waits until every one of its threads is stopped. The signal takes effect
 * asynchronously: on a busy machine a server was seen answering a request sent right after the kill, from its
 * completion cache, before its threads had stopped.
 */
export async function stopProcess(pid: number, timeoutMs = 30_000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const end = Date.now() + timeoutMs;
  for (;;) {
    const states = readdirSync(`/proc/${pid}/task`).map((t) => {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(') ') + 2)[0];
      } catch {
        return 'T'; // a thread that is gone does not run
      }
    });
    if (states.every((s) => s === 'T' || s === 't')) return;
    if (Date.now() > end) throw new Error(`process ${pid} did not stop (thread states ${states.join('')})`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
