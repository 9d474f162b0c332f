import { mkdirSync, realpathSync } from 'node:fs';
import { appendLogLine, readAppendLog } from '../util/json-lines.js';
import { dirname, join, relative, resolve } from 'node:path';
import { methodEndIndex } from '../decode/stop-modes.js';
import { completeInDocument } from '../engine/document-completion.js';
import type { Engine } from '../engine/engine.js';
import { OFFLINE_WARMUP_MS, type ServerPool } from '../lsp/pool.js';
import { pyright } from '../lsp/servers.js';
import { lineColumn, type DatasetSite } from './dataset.js';
import { firstLine, scoreGeneration, scoreLine } from './metrics.js';
import { manifestMismatch, modelIdentity, readManifest, sha256Files, shardOf, writeManifest, type RunManifest, type Shard } from './manifest.js';
import { TsProject } from './ts-project.js';
import { typecheckPythonVariants } from './typecheck.js';
import { acquireLock } from '../util/lock-file.js';
import { MONITOR_KINDS, type MonitorKind } from '../monitor/types.js';

/**
 * An evaluation configuration: decoding (greedy or sampling) with no monitor, the dereference monitor alone
 * (`+mgd`, the paper's MGD) or every monitor (`+mgd-all`); left to right with the text after the cursor only
 * stopping the generation, or fill-in-the-middle with that text as the suffix (`+fim`).
 */
export interface EvalConfig {
  readonly name: string;
  readonly sampling: boolean;
  /** The monitors that guide it ([] = free decoding). */
  readonly monitors: readonly MonitorKind[];
  /** Fill-in-the-middle with the real suffix (else left to right, the suffix only stopping the generation). */
  readonly fim: boolean;
}

export const CONFIG_NAMES: readonly string[] = ['greedy', 'sample'].flatMap((d) => ['', '+mgd', '+mgd-all'].flatMap((m) => [`${d}${m}`, `${d}${m}+fim`]));
/** What `eval run` compares unless told otherwise. */
export const DEFAULT_CONFIGS = ['greedy', 'greedy+mgd', 'sample', 'sample+mgd'] as const;

export function parseConfigs(list: string): EvalConfig[] {
  const names = list.split(',').map((raw) => raw.trim());
  return names.map((name, i) => {
    if (!CONFIG_NAMES.includes(name)) throw new RangeError(`unknown configuration "${name}" (use ${CONFIG_NAMES.join(', ')})`);
    if (names.indexOf(name) !== i) throw new RangeError(`configuration "${name}" is given twice`);
    const fim = name.endsWith('+fim');
    const base = fim ? name.slice(0, -'+fim'.length) : name;
    const monitors: readonly MonitorKind[] = base.endsWith('+mgd-all') ? MONITOR_KINDS : base.endsWith('+mgd') ? ['deref'] : [];
    return { name, sampling: name.startsWith('sample'), monitors, fim };
  });
}

/** One generation, scored. Results are JSON Lines in `DIR/results.jsonl`, one record per generation. */
export interface EvalRecord {
  readonly site: string;
  readonly config: string;
  readonly sample: number;
  readonly file: string;
  /** What the code writes at the cursor (the member after the dot for a dereference site). */
  readonly member: string;
  /** The site's kind (absent in results written before kinds: `deref`). */
  readonly kind?: string;
  readonly promptTail: string;
  readonly target: string;
  readonly generation: string;
  /** The generation reached the end of the method. */
  readonly ended: boolean;
  /** CR: the file with the generation in place has no error the original did not have. */
  readonly compiles: boolean;
  readonly newErrors: readonly string[];
  readonly nim: number;
  readonly ism: number;
  readonly pm: number;
  readonly latencyMs: number;
  readonly triggers: number;
  /** Triggers left unconstrained: the server had no members (an `any` receiver, broken code), failed or was late. */
  readonly degradedTriggers: number;
  /** Of those, the ones that ran out of the time budget. */
  readonly timeouts?: number;
  /** Where the site is: `file:line:column` (1-based; absent in results written before it was recorded). */
  readonly at?: string;
  /** `line` sites: exact match and edit similarity of the completion's first line against the target line. */
  readonly em?: number;
  readonly es?: number;
}

export interface RunOptions {
  readonly configs: readonly EvalConfig[];
  /** Samples per site for sampling configurations (greedy ones make one). */
  readonly samples: number;
  readonly temperature?: number;
  /** Tokens per generation (default 128; 48 for line sites). */
  readonly maxTokens?: number;
  /** Per-trigger wait for the language server (default 300 ms). */
  readonly budgetMs?: number;
  /** Run only this slice of the sites (see `shardOf`). */
  readonly shard?: Shard;
  /** Generations in flight at once, their decoding steps batched through the model (default 1). */
  readonly parallel?: number;
  /** The dataset file: its hash goes into the run manifest, and repositories are named relative to its folder. */
  readonly datasetFile: string;
  readonly onProgress?: (done: number, total: number) => void;
  readonly log?: (line: string) => void;
}

const key = (site: string, config: string, sample: number) => `${site}|${config}|${sample}`;

/** A results file that cannot be read as it stands (the message names the line). */
export class ResultsError extends Error {
  override readonly name = 'ResultsError';
}

const RECORD_FIELDS: Readonly<Record<string, 'string' | 'number' | 'boolean' | 'strings' | 'number?'>> = {
  site: 'string',
  config: 'string',
  sample: 'number',
  file: 'string',
  member: 'string',
  promptTail: 'string',
  target: 'string',
  generation: 'string',
  ended: 'boolean',
  compiles: 'boolean',
  newErrors: 'strings',
  nim: 'number',
  ism: 'number',
  pm: 'number',
  latencyMs: 'number',
  triggers: 'number',
  degradedTriggers: 'number',
  timeouts: 'number?',
  em: 'number?',
  es: 'number?',
};

/** Why `value` is not an `EvalRecord`, or undefined when it is one. */
export function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}, not an object`;
  const r = value as Record<string, unknown>;
  for (const [field, type] of Object.entries(RECORD_FIELDS)) {
    const v = r[field];
    const ok =
      type === 'strings'
        ? Array.isArray(v) && v.every((x) => typeof x === 'string')
        : type === 'number?'
          ? v === undefined || (typeof v === 'number' && Number.isFinite(v))
          : type === 'number'
            ? typeof v === 'number' && Number.isFinite(v)
            : typeof v === type;
    if (!ok) return `"${field}" must be ${type === 'strings' ? 'a list of strings' : type === 'number?' ? 'a number if given' : `a ${type}`}`;
  }
  return undefined;
}

/**
 * Reads the records already in `out/results.jsonl` (a rerun skips them). A line that is not JSON is one an
 * interruption cut (it is skipped and redone); a line that is JSON but not a record stops with `ResultsError`
 * naming it, so a damaged file is never reported or extended as if it were whole.
 */
export function readRecords(out: string): EvalRecord[] {
  return readAppendLog<EvalRecord>(join(out, 'results.jsonl'), recordProblem, (m) => new ResultsError(m), 'a result record');
}

/** An error as compared and stored: code and message, the repository's absolute path taken out of it. */
function errorKey(e: { code: string; message: string }, repo: string): string {
  return `${e.code} ${relativeMessage(e.message, repo)}`;
}

/** `message` with the repository's absolute path (as given and with links resolved) made relative. */
export function relativeMessage(message: string, repo: string): string {
  let out = message;
  for (const root of new Set([repo, realpathOr(repo)])) out = out.split(`${root}/`).join('').split(root).join('.');
  return out;
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Errors of `variant` not present (as often) in `original`. */
function newErrors(original: readonly string[], variant: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const e of original) left.set(e, (left.get(e) ?? 0) + 1);
  const fresh: string[] = [];
  for (const e of variant) {
    const n = left.get(e) ?? 0;
    if (n > 0) left.set(e, n - 1);
    else fresh.push(e);
  }
  return fresh;
}

/**
 * Generates for every (site, configuration, sample), cuts each generation at the end of the method, splices
 * it into the file and scores it (CR with the repository's checker, NIM, ISM, PM, latency). Resumable: every
 * record is appended to `out/results.jsonl` as soon as it is scored, and a rerun skips finished ones.
 */
export async function runEvaluation(engine: Engine, pool: ServerPool, allSites: readonly DatasetSite[], out: string, options: RunOptions): Promise<EvalRecord[]> {
  mkdirSync(out, { recursive: true });
  // Two runs appending to one results file would both do every missing item.
  const release = acquireLock(join(out, '.lock'), `the results folder ${out}`);
  try {
    const sites = shardOf(allSites, options.shard);
    const checkers = new Map<string, Checker>();
    try {
      for (const site of sites) if (!checkers.has(site.repo)) checkers.set(site.repo, await openChecker(site));
      const manifest = await runManifest(engine, allSites, options, checkers);
      const previous = readManifest(out);
      if (previous) {
        const mismatch = manifestMismatch(previous, manifest, [`the results in ${out}`, 'this run']) ?? shardMismatch(previous, manifest);
        if (mismatch) throw new ResultsError(`${mismatch}; use another --out folder`);
      } else if (readRecords(out).length) {
        options.log?.(`${out} has results but no run.json (written before manifests): adding one for this run`);
      }
      writeManifest(out, manifest);
      return await evaluate(engine, pool, sites, out, options, checkers);
    } finally {
      // Also those opened before one failed to open: a TypeScript 7 checker is a server process.
      await Promise.all([...checkers.values()].map((c) => c.dispose()));
    }
  } finally {
    release();
  }
}

function shardMismatch(a: RunManifest, b: RunManifest): string | undefined {
  const text = (m: RunManifest) => (m.shards ? `shard ${m.shards.indices.join(',')}/${m.shards.count}` : 'the whole dataset');
  return text(a) === text(b) ? undefined : `the results hold ${text(a)}, this run is ${text(b)}`;
}

/** What a run is made with: the manifest written to `out/run.json` (`checkers`: the run's, by repository). */
async function runManifest(engine: Engine, sites: readonly DatasetSite[], options: RunOptions, checkers: ReadonlyMap<string, Checker>): Promise<RunManifest> {
  const folder = dirname(resolve(options.datasetFile));
  const named: Record<string, string> = {};
  for (const [repo, checker] of checkers) named[relative(folder, repo) || '.'] = checker.name;
  return {
    dataset: { sha256: await sha256Files([options.datasetFile]), sites: sites.length },
    configs: options.configs.map((c) => c.name),
    samples: options.samples,
    temperature: options.temperature ?? 0.8,
    maxTokens: options.maxTokens ?? null,
    budgetMs: options.budgetMs ?? null,
    model: await modelIdentity(engine.model.dir),
    ...(options.shard ? { shards: { count: options.shard.count, indices: [options.shard.index] } } : {}),
    checkers: named,
  };
}

/** What judges CR for one repository: the errors of a file as it is and with a generation in place. */
interface Checker {
  /** Which compiler, for the report: `TypeScript 5.4.5 (the repository's own)`, `pyright 1.1.4xx`. */
  readonly name: string;
  /** The new errors of `variant` (the file with a generation in place) as code + message, paths relative. */
  newErrors(site: DatasetSite, variant: string): Promise<string[]>;
  /** A checker that batches: checks the pending variants now. */
  readonly flush?: () => Promise<void>;
  dispose(): Promise<void>;
}

async function openChecker(site: DatasetSite): Promise<Checker> {
  if (site.language === 'python') return pythonChecker();
  const project = await TsProject.open(site.repo);
  const originals = new Map<string, Promise<string[]>>();
  return {
    name: project.compilerName,
    async newErrors(s, variant) {
      const file = join(s.repo, s.file);
      let original = originals.get(file);
      if (!original) originals.set(file, (original = project.errors(file).then((es) => es.map((e) => errorKey(e, s.repo)))));
      return newErrors(await original, (await project.errors(file, variant)).map((e) => errorKey(e, s.repo)));
    },
    dispose: () => project.dispose(),
  };
}

/** pyright over the project, many variants per run: checks wait until 24 are pending (or `flush`). */
function pythonChecker(): Checker {
  let pending: { site: DatasetSite; variant: string; resolve: (errors: string[]) => void; reject: (e: Error) => void }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      const base = batch.map((b, i) => ({ id: `o${i}`, workspace: b.site.repo, file: join(b.site.repo, b.site.file), text: b.site.prompt + b.site.target + b.site.after }));
      const variants = batch.map((b, i) => ({ id: `v${i}`, workspace: b.site.repo, file: join(b.site.repo, b.site.file), text: b.variant }));
      const diags = await typecheckPythonVariants([...base, ...variants]);
      batch.forEach((b, i) => {
        const of = (id: string) => diags.filter((d) => d.variant === id && d.file === b.site.file).map((d) => errorKey(d, b.site.repo));
        b.resolve(newErrors(of(`o${i}`), of(`v${i}`)));
      });
    } catch (e) {
      for (const b of batch) b.reject(e as Error);
    }
  };
  return {
    name: pyright.name,
    newErrors(site, variant) {
      const result = new Promise<string[]>((resolve, reject) => pending.push({ site, variant, resolve, reject }));
      if (pending.length >= 24) void flush();
      return result;
    },
    flush,
    dispose: flush,
  };
}

/** `file:line:column` (1-based) of a site's cursor. */
export function siteAt(site: DatasetSite): string {
  return `${site.file}:${lineColumn(site.prompt, site.prompt.length)}`;
}

async function evaluate(engine: Engine, pool: ServerPool, sites: readonly DatasetSite[], out: string, options: RunOptions, checkers: Map<string, Checker>): Promise<EvalRecord[]> {
  const resultsFile = join(out, 'results.jsonl');
  const done = new Set(readRecords(out).map((r) => key(r.site, r.config, r.sample)));
  const jobs = sites.flatMap((site) =>
    options.configs.flatMap((config) =>
      Array.from({ length: config.sampling ? options.samples : 1 }, (_, sample) => ({ site, config, sample })),
    ),
  );
  const todo = jobs.filter((j) => !done.has(key(j.site.id, j.config.name, j.sample)));
  options.log?.(`${jobs.length} generations${options.shard ? ` (shard ${options.shard.index}/${options.shard.count}: ${sites.length} sites)` : ''}, ${jobs.length - todo.length} already done`);
  const written: EvalRecord[] = [];
  const write = (record: EvalRecord) => {
    appendLogLine(resultsFile, record);
    written.push(record);
    options.onProgress?.(jobs.length - todo.length + written.length, jobs.length);
  };

  const generateAndScore = async ({ site, config, sample }: (typeof jobs)[number]): Promise<void> => {
    const file = join(site.repo, site.file);
    const line = site.kind === 'line';
    const lineBefore = site.prompt.slice(site.prompt.lastIndexOf('\n') + 1);
    const started = performance.now();
    const result = await completeInDocument(engine, pool, {
      workspace: site.repo,
      file,
      // The real text after the cursor: after a line site's target line, after a monitor site's method.
      text: site.prompt + site.after,
      offset: site.prompt.length,
      maxTokens: options.maxTokens ?? (line ? 48 : 128),
      fim: config.fim,
      monitor: config.monitors.length > 0,
      monitors: config.monitors,
      budgetMs: options.budgetMs,
      warmupMs: OFFLINE_WARMUP_MS, // measure monitoring, not a server still loading
      temperature: config.sampling ? (options.temperature ?? 0.8) : 0,
      topP: config.sampling ? 0.95 : undefined,
      seed: config.sampling ? sample + 1 : undefined,
      // A line site and an import site are a line; every other site ends where its method ends.
      ...(line || site.kind === 'imports'
        ? { stopMode: 'line' as const }
        : { stopWhen: (text: string) => methodEndIndex(site.language, text, { openDepth: site.openDepth, bodyIndent: site.bodyIndent, lineBefore }) }),
    });
    const latencyMs = Math.round(performance.now() - started);
    // The line task scores (and splices) the first line only, as an editor's line completion shows it.
    const generation = line ? firstLine(result.completion) : result.completion;
    const scores = scoreGeneration(generation, site.target, site.language);
    const record = {
      site: site.id,
      at: siteAt(site),
      config: config.name,
      sample,
      file: site.file,
      member: site.expected,
      kind: site.kind,
      promptTail: site.prompt.slice(-400),
      target: site.target.slice(0, 600),
      generation,
      ended: result.finishReason === 'stop',
      ...scores,
      ...(line ? scoreLine(generation, site.target) : {}),
      latencyMs,
      triggers: result.monitor.triggers.length,
      degradedTriggers: result.monitor.triggers.filter((t) => t.degraded).length,
      timeouts: result.monitor.triggers.filter((t) => t.reason === 'timeout').length,
    };
    const checker = checkers.get(site.repo)!;
    const check = checker.newErrors(site, site.prompt + generation + site.after).then((fresh) => write({ ...record, compiles: fresh.length === 0, newErrors: fresh.slice(0, 5) }));
    // A batched checker answers when its batch is full: generation goes on meanwhile.
    if (checker.flush) checks.push(check);
    else await check;
  };
  const checks: Promise<void>[] = [];

  // `parallel` workers take the next job in turn; their generations' decoding steps share forward passes.
  const waiting: Promise<void>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < todo.length) await generateAndScore(todo[next++]!);
  };
  for (let w = 0; w < Math.max(1, options.parallel ?? 1); w++) waiting.push(worker());
  const results = await Promise.allSettled(waiting);
  await Promise.all([...checkers.values()].map((c) => c.flush?.()));
  const failed = [...results, ...(await Promise.allSettled(checks))].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return written;
}
