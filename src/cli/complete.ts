import { STOP_MODES } from '../decode/stop-modes.js';
import { completeInDocument, type DocumentCompletionResult } from '../engine/document-completion.js';
import { DEFAULT_MAX_TOKENS, Engine } from '../engine/engine.js';
import { ServerPool } from '../lsp/pool.js';
import { SERVER_IDS, type ServerId } from '../lsp/servers.js';
import { degradedReason } from '../monitor/types.js';
import { COMMON_OPTIONS, choiceFlag, millisecondsFlag, monitorsFlag, numberFlag, parse } from './args.js';
import { resolvePosition } from './position.js';

export const COMPLETE_USAGE = `lsp-codegen complete --workspace DIR --at FILE:LINE:COL [options]

Completes code at a position of a file. The text before the position is the prompt, the text after it the
fill-in-the-middle suffix; the monitors constrain what the file's language server can judge to what it says
is legal there (monitor-guided decoding).

  --workspace DIR        project root
  --at FILE:LINE:COL     the cursor (1-based)
  --monitors LIST        all (default), none, or some of: deref (members after a dot), call (callable,
                         argument count), keys (object-literal keys), literals (string-literal unions),
                         new (constructible classes), imports (module specifiers and names), kwargs
                         (Python keyword arguments)
  --no-monitor           the same as --monitors none
  --max-tokens N         tokens to generate at most (default ${DEFAULT_MAX_TOKENS})
  --stop-mode MODE       line | statement (default) | block
  --temperature T        0 = greedy (default)
  --seed S               sampling seed
  --model DIR            model directory (default: the shipped code-lm-19m)
  --server ID            TypeScript/JavaScript server: tsgo (default) or tsls
  --budget-ms MS         longest wait for the language server per trigger (default 300)
  --warmup-ms MS         longest wait for a cold language server before decoding (default 10000); a
                         server still loading then is left to load, and the monitor waits for none of it
  --fim auto|on|off      use the text after the cursor as fill-in-the-middle suffix (on), or decode left to
                         right and let that text only stop the generation (off); auto (default): the
                         model's policy ("fim_usable" in generation_config.json; the shipped model: off),
                         never at a dot
  --json                 print { completion, finishReason, monitor, timings }
  --verbose              stack traces on errors`;

const OPTIONS = {
  workspace: { type: 'string' },
  at: { type: 'string' },
  'no-monitor': { type: 'boolean' },
  monitors: { type: 'string' },
  'max-tokens': { type: 'string' },
  'stop-mode': { type: 'string' },
  temperature: { type: 'string' },
  seed: { type: 'string' },
  model: { type: 'string' },
  server: { type: 'string' },
  'budget-ms': { type: 'string' },
  'warmup-ms': { type: 'string' },
  fim: { type: 'string' },
  ...COMMON_OPTIONS,
} as const;

export async function completeCommand(argv: string[], out: (text: string) => void): Promise<void> {
  const { values } = parse(argv, OPTIONS);
  if (values.help) return out(COMPLETE_USAGE);
  const tsServer = choiceFlag(values, 'server', SERVER_IDS.filter((id) => id !== 'pyright') as ServerId[]);
  const options = {
    maxTokens: numberFlag(values, 'max-tokens', { min: 1, integer: true }) ?? DEFAULT_MAX_TOKENS,
    stopMode: choiceFlag(values, 'stop-mode', STOP_MODES) ?? 'statement',
    temperature: numberFlag(values, 'temperature', { min: 0 }),
    seed: numberFlag(values, 'seed', { min: 0, max: 2 ** 32 - 1, integer: true }),
    budgetMs: millisecondsFlag(values, 'budget-ms'),
    warmupMs: millisecondsFlag(values, 'warmup-ms', 0),
    monitor: !values['no-monitor'],
    monitors: monitorsFlag(values),
    fim: ({ auto: 'auto', on: true, off: false } as const)[choiceFlag(values, 'fim', ['auto', 'on', 'off'] as const) ?? 'auto'],
  };
  const pos = resolvePosition(values.workspace, values.at);
  const engine = await Engine.load({ modelDir: values.model });
  const pool = new ServerPool({ servers: tsServer ? { typescript: tsServer, javascript: tsServer } : {}, idleMs: 0 });
  try {
    const result = await completeInDocument(engine, pool, { ...options, workspace: pos.workspace, file: pos.file, text: pos.text, offset: pos.offset });
    if (values.json) {
      const { completion, finishReason, monitor, timings } = result;
      const { kinds, triggers, constrainedTokens, queries } = monitor;
      out(JSON.stringify({ completion, finishReason, monitor: { kinds, triggers, constrainedTokens, queries }, timings }, null, 2));
    } else {
      out(result.completion);
      const notice = degradedNotice(result.monitor);
      if (notice) process.stderr.write(`lsp-codegen complete: ${notice}\n`);
    }
  } finally {
    await Promise.all([pool.dispose(), engine.dispose()]);
  }
}

const REASONS: Readonly<Record<string, string>> = {
  'not-ready': 'the language server was still loading the project',
  timeout: 'the language server answered too late',
  empty: 'the language server offered nothing there',
  'no-legal-continuation': 'what was already typed has no legal continuation',
  busy: 'the language server was still busy with an earlier question',
  slow: 'the language server had been too slow on that question before',
};

/** One line saying that (and why) monitoring fell short, or undefined when every trigger was constrained. */
export function degradedNotice(monitor: DocumentCompletionResult['monitor']): string | undefined {
  if (!monitor.enabled) return undefined;
  const degraded = monitor.triggers.filter((t) => t.degraded);
  if (degraded.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const t of degraded) {
    const reason = degradedReason(t);
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const why = [...counts].map(([r, n]) => `${n}× ${REASONS[r] ?? (r === 'error' ? 'the language server failed' : r)}`).join('; ');
  return `monitoring degraded: ${degraded.length} of ${monitor.triggers.length} trigger${monitor.triggers.length > 1 ? 's' : ''} left unconstrained (${why})`;
}
