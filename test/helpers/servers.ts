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
