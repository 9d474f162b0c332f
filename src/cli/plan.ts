import { Engine } from '../engine/engine.js';
import { ServerPool } from '../lsp/pool.js';
import { plan, STRATEGIES, type PlanResult } from '../planning/plan.js';
import { loadProblems } from '../planning/problem.js';
import { COMMON_OPTIONS, choiceFlag, millisecondsFlag, monitorsFlag, numberFlag, parse, shardFlag, UsageError } from './args.js';
import { resolveWorkspace } from './position.js';
import { modelIdentity, sha256Files, shardOf } from '../eval/manifest.js';
import { PlanResults } from '../planning/results.js';

export const PLAN_USAGE = `lsp-codegen plan --problems FILE [options]

Generates solutions to programming problems and picks one by their public tests (run in the sandbox);
reports the chosen program's public and hidden pass rates.

  --problems FILE        problems file (JSON Lines, see fixtures/problems/)
  --ids A,B,C            only these problems (--id ID: one)
  --shard i/N            only the problems whose index (after --ids) is i modulo N (0 ≤ i < N)
  --out DIR              append each problem's result to DIR/results.jsonl as it finishes; a rerun skips
                         the problems already there (DIR/run.json: a rerun with other settings is refused)
  --strategy S           pgtd (default: planning-guided tree search), sample (sampling + filtering),
                         greedy, beam
  --budget N             programs per problem (default 8; greedy makes 1)
  --seed S               sampling seed (sample strategy)
  --max-tokens N         tokens per program (default 192)
  --time-limit MS        wall-clock limit per problem
  --no-cache             PG-TD without its tree and sequence caches
  --workspace DIR        guide generation with the monitors: each program is an in-memory file at the
                         problem's path in DIR, checked by its language server
  --monitors LIST        with --workspace: all (default), none, or some of deref, call, keys,
                         literals, new, imports, kwargs
  --model DIR            model directory (default: the shipped code-lm-19m)
  --json                 print one JSON object per problem (JSON Lines)
  --verbose              stack traces on errors`;

const OPTIONS = {
  problems: { type: 'string' },
  id: { type: 'string' },
  ids: { type: 'string' },
  shard: { type: 'string' },
  out: { type: 'string' },
  strategy: { type: 'string' },
  budget: { type: 'string' },
  seed: { type: 'string' },
  'max-tokens': { type: 'string' },
  'time-limit': { type: 'string' },
  'no-cache': { type: 'boolean' },
  workspace: { type: 'string' },
  monitors: { type: 'string' },
  model: { type: 'string' },
  ...COMMON_OPTIONS,
} as const;

function line(r: PlanResult): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const s = r.stats;
  const { public: pub, hidden } = r.forgeableTests;
  const forgeable = pub + hidden ? ` [${pub + hidden} forgeable test${pub + hidden > 1 ? 's' : ''}: decided inside the sandbox]` : '';
  return `${r.problemId}: public ${pct(r.publicPassRate)}, hidden ${pct(r.hiddenPassRate)} — ${s.programsEvaluated} programs, ${s.forwardPasses} forward passes, ${(s.timeMs / 1000).toFixed(1)} s (${s.stoppedBy})${forgeable}`;
}

export async function planCommand(argv: string[], out: (text: string) => void): Promise<void> {
  const { values } = parse(argv, OPTIONS);
  if (values.help) return out(PLAN_USAGE);
  if (!values.problems) throw new UsageError('--problems FILE is required');
  const strategy = choiceFlag(values, 'strategy', STRATEGIES) ?? 'pgtd';
  const options = {
    strategy,
    budget: numberFlag(values, 'budget', { min: 1, max: 1000, integer: true }),
    seed: numberFlag(values, 'seed', { min: 0, max: 2 ** 31, integer: true }),
    maxTokens: numberFlag(values, 'max-tokens', { min: 1, max: 900, integer: true }),
    timeLimitMs: millisecondsFlag(values, 'time-limit'),
    caches: !values['no-cache'],
  };
  let problems = loadProblems(values.problems);
  if (values.id !== undefined && values.ids !== undefined) throw new UsageError('give --id or --ids, not both');
  const ids = (values.ids ?? values.id)?.split(',').map((s) => s.trim());
  if (ids) {
    const unknown = ids.filter((id) => !problems.some((p) => p.id === id));
    if (unknown.length) throw new Error(`no problem ${unknown.map((id) => `"${id}"`).join(', ')} in ${values.problems}`);
    problems = problems.filter((p) => ids.includes(p.id));
  }
  const shard = shardFlag(values);
  problems = shardOf(problems, shard);
  const monitors = monitorsFlag(values);
  if (monitors && values.workspace === undefined) throw new UsageError('--monitors needs --workspace (the monitors ask its language server)');
  const tty = process.stderr.isTTY === true;
  const workspace = values.workspace === undefined ? undefined : resolveWorkspace(values.workspace);
  const engine = await Engine.load({ modelDir: values.model });
  const pool = workspace ? new ServerPool({ idleMs: 0 }) : undefined;
  const results: PlanResult[] = [];
  let folder: PlanResults | undefined;
  try {
    if (values.out !== undefined) {
      const settings = { ...options, monitors: monitors ?? (workspace ? 'all' : 'none'), workspace: workspace ?? null };
      folder = await PlanResults.open(values.out, { problems: { sha256: await sha256Files([values.problems]), ids: ids ?? null }, settings, model: await modelIdentity(engine.model.dir), shard: shard ?? null });
      const before = problems.length;
      results.push(...folder.done.filter((r) => problems.some((p) => p.id === r.problemId)));
      problems = problems.filter((p) => !folder!.done.some((r) => r.problemId === p.id));
      process.stderr.write(`${before} problems, ${before - problems.length} already in ${values.out}/results.jsonl\n`);
    }
    for (const [i, problem] of problems.entries()) {
      const result = await plan(engine, problem, {
        ...options,
        monitor: pool && workspace ? { pool, workspace, kinds: monitors } : undefined,
        onProgress: tty
          ? (done, budget, best) =>
              process.stderr.write(`\r\x1b[K[${i + 1}/${problems.length}] ${problem.id} ${strategy}: ${done}/${budget} programs, best public ${Math.round(best * 100)}%`)
          : undefined,
      });
      if (tty) process.stderr.write('\r\x1b[K');
      folder?.append(result);
      results.push(result);
      out(values.json ? JSON.stringify(result) : line(result));
    }
  } finally {
    folder?.release();
    await Promise.all([engine.dispose(), pool?.dispose()]);
  }
  if (!values.json && results.length > 1) {
    const mean = (f: (r: PlanResult) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
    out(`${strategy}: ${results.length} problems, mean hidden pass rate ${(mean((r) => r.hiddenPassRate) * 100).toFixed(1)}%, solved (all hidden tests) ${results.filter((r) => r.hiddenPassRate === 1).length}`);
  }
}
