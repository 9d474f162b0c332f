import { isIP } from 'node:net';
import { WorkspaceError } from '../engine/workspace.js';
import { SERVER_IDS, type ServerId } from '../lsp/servers.js';
import { CodegenService } from '../service/app.js';
import { COMMON_OPTIONS, choiceFlag, millisecondsFlag, numberFlag, parse, UsageError } from './args.js';
import { onInterrupt } from './interrupt.js';

export const SERVE_USAGE = `lsp-codegen serve [options]

The headless codegen API over HTTP: OpenAI-compatible /v1/completions (with streaming), completions at a
position of a workspace file guided by its language server, /v1/plan, /v1/models, /healthz, /readyz and
Prometheus /metrics. SIGTERM or SIGINT shuts it down gracefully.

  --host HOST              address to listen on (default 127.0.0.1); any other than loopback needs a token
  --port PORT              port (default 8080; 0 picks a free one)
  --workspace-root DIR     a folder whose workspaces requests may use (repeatable); files anywhere else are 403
  --model DIR              model directory (default: the shipped code-lm-19m)
  --token T                require "Authorization: Bearer T" (except /healthz and /readyz); better given
                           in the environment as LSP_CODEGEN_TOKEN, which is read when --token is absent
  --max-concurrency N      requests generating at once (default 4)
  --queue N                requests waiting for a slot before 429 (default 32)
  --request-timeout-ms MS  longest a request may take, queueing included (default 60000)
  --body-timeout-ms MS     longest time to receive a request (default 10000; a slower body gets 408)
  --prompt-cache-mb MB     keys/values of recent prompts kept for reuse (default 256; 0 = off)
  --batching on|off        run concurrent requests' decoding steps as one batched forward pass (default on)
  --grace-ms MS            on shutdown, time in-flight requests get to finish (default 10000)
  --idle-ms MS             stop a workspace's language server after this long unused (default 600000)
  --budget-ms MS           per-trigger language-server budget of the monitors (default 300)
  --warmup-ms MS           longest wait for a cold language server before decoding (default 10000)
  --server ID              TypeScript/JavaScript server: tsgo (default) or tsls
  --log                    log every request (JSON lines on stdout)
  --verbose                stack traces on errors`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'workspace-root': { type: 'string', multiple: true },
  model: { type: 'string' },
  token: { type: 'string' },
  'max-concurrency': { type: 'string' },
  queue: { type: 'string' },
  'request-timeout-ms': { type: 'string' },
  'body-timeout-ms': { type: 'string' },
  'prompt-cache-mb': { type: 'string' },
  batching: { type: 'string' },
  'grace-ms': { type: 'string' },
  'idle-ms': { type: 'string' },
  'budget-ms': { type: 'string' },
  'warmup-ms': { type: 'string' },
  server: { type: 'string' },
  log: { type: 'boolean' },
  ...COMMON_OPTIONS,
} as const;

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

export async function serveCommand(argv: string[], out: (text: string) => void): Promise<void> {
  const { values } = parse(argv, OPTIONS);
  if (values.help) return out(SERVE_USAGE);
  const host = values.host ?? '127.0.0.1';
  const port = numberFlag(values, 'port', { min: 0, max: 65535, integer: true }) ?? 8080;
  const token = values.token ?? (process.env['LSP_CODEGEN_TOKEN'] || undefined);
  if (token !== undefined && token.length < 16) throw new UsageError('the token must be at least 16 characters');
  if (!isLoopback(host) && !token) {
    throw new UsageError(`refusing to listen on ${host} without a token: anyone who can reach it could run the model and read workspace files. Set LSP_CODEGEN_TOKEN (or --token), or listen on 127.0.0.1`);
  }
  const tsServer = choiceFlag(values, 'server', SERVER_IDS.filter((id) => id !== 'pyright') as ServerId[]);
  const graceMs = millisecondsFlag(values, 'grace-ms', 0) ?? 10_000;
  let service: CodegenService;
  try {
    service = new CodegenService({
      workspaceRoots: values['workspace-root'] ?? [],
      modelDir: values.model,
      token,
      maxConcurrency: numberFlag(values, 'max-concurrency', { min: 1, max: 1024, integer: true }),
      queue: numberFlag(values, 'queue', { min: 0, max: 100_000, integer: true }),
      requestTimeoutMs: millisecondsFlag(values, 'request-timeout-ms'),
      bodyTimeoutMs: millisecondsFlag(values, 'body-timeout-ms'),
      promptCacheMb: numberFlag(values, 'prompt-cache-mb', { min: 0, max: 65536 }),
      batching: (choiceFlag(values, 'batching', ['on', 'off'] as const) ?? 'on') === 'on',
      budgetMs: millisecondsFlag(values, 'budget-ms'),
      warmupMs: millisecondsFlag(values, 'warmup-ms', 0),
      servers: {
        idleMs: millisecondsFlag(values, 'idle-ms', 0) ?? 600_000,
        servers: tsServer ? { typescript: tsServer, javascript: tsServer } : {},
      },
      logger: !!values.log,
    });
  } catch (e) {
    if (e instanceof WorkspaceError) throw new UsageError(e.message);
    throw e;
  }
  let address: string;
  try {
    address = await service.listen(host, port);
  } catch (e) {
    await service.close(0);
    throw new Error(`cannot listen on ${host}:${port}: ${(e as Error).message}`);
  }
  const stopped = new Promise<number>((resolve) => {
    onInterrupt(async () => {
      await service.close(graceMs);
      resolve(0);
      return 0;
    });
  });
  const roots = service.roots.roots;
  out(`lsp-codegen serve: listening on ${address} (workspace roots: ${roots.length ? roots.join(', ') : 'none'}; auth: ${token ? 'bearer token' : 'none'})`);
  await service.loaded;
  if (service.loadFailure) {
    await service.close(0);
    throw service.loadFailure;
  }
  out(`lsp-codegen serve: ready`);
  await stopped;
}
