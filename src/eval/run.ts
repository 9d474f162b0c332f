import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { methodEndIndex } from '../decode/stop-modes.js';
import { completeInDocument } from '../engine/document-completion.js';
import type { Engine } from '../engine/engine.js';
import { OFFLINE_WARMUP_MS, type ServerPool } from '../lsp/pool.js';
import type { DatasetSite } from './dataset.js';
import { scoreGeneration } from './metrics.js';
import { TsProject } from './ts-project.js';
import { typecheckPythonVariants } from './typecheck.js';
import { acquireLock } from '../util/lock-file.js';
import { MONITOR_KINDS, type MonitorKind } from '../monitor/types.js';

/**
 * An evaluation configuration: decoding (greedy or sampling) with no monitor, the dereference monitor alone
 * (`+mgd`, the paper's MGD) or every monitor (`+mgd-all`).
 */
export interface EvalConfig {
  readonly name: string;
  readonly sampling: boolean;
  /** The monitors that guide it ([] = free decoding). */
  readonly monitors: readonly MonitorKind[];
}

export const CONFIG_NAMES = ['greedy', 'greedy+mgd', 'greedy+mgd-all', 'sample', 'sample+mgd', 'sample+mgd-all'] as const;
/** What `eval run` compares unless told otherwise. */
export const DEFAULT_CONFIGS = ['greedy', 'greedy+mgd', 'sample', 'sample+mgd'] as const;

export function parseConfigs(list: string): EvalConfig[] {
  return list.split(',').map((raw) => {
    const name = raw.trim();
    if (!(CONFIG_NAMES as readonly string[]).includes(name)) throw new RangeError(`unknown configuration "${name}" (use ${CONFIG_NAMES.join(', ')})`);
    const monitors: readonly MonitorKind[] = name.endsWith('+mgd-all') ? MONITOR_KINDS : name.endsWith('+mgd') ? ['deref'] : [];
    return { name, sampling: name.startsWith('sample'), monitors };
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
}

export interface RunOptions {
  readonly configs: readonly EvalConfig[];
  /** Samples per site for sampling configurations (greedy ones make one). */
  readonly samples: number;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** Per-trigger wait for the language server (default 300 ms). */
  readonly budgetMs?: number;
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
  const file = join(out, 'results.jsonl');
  if (!existsSync(file)) return [];
  const records: EvalRecord[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return; // a line cut by an interruption
      }
      const problem = recordProblem(value);
      if (problem) throw new ResultsError(`${file}:${i + 1}: not a result record (${problem}); fix or remove that line`);
      records.push(value as EvalRecord);
    });
  return records;
}

function errorKey(e: { code: string; message: string }): string {
  return `${e.code} ${e.message}`;
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
export async function runEvaluation(engine: Engine, pool: ServerPool, sites: readonly DatasetSite[], out: string, options: RunOptions): Promise<EvalRecord[]> {
  mkdirSync(out, { recursive: true });
  // Two runs appending to one results file would both do every missing item.
  const release = acquireLock(join(out, '.lock'), `the results folder ${out}`);
  try {
    return await evaluate(engine, pool, sites, out, options);
  } finally {
    release();
  }
}

async function evaluate(engine: Engine, pool: ServerPool, sites: readonly DatasetSite[], out: string, options: RunOptions): Promise<EvalRecord[]> {
  const resultsFile = join(out, 'results.jsonl');
  const done = new Set(readRecords(out).map((r) => key(r.site, r.config, r.sample)));
  // An interrupted write can leave half a line: end it, so the next record starts on a line of its own.
  const existing = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
  if (existing && !existing.endsWith('\n')) appendFileSync(resultsFile, '\n');
  const jobs = sites.flatMap((site) =>
    options.configs.flatMap((config) =>
      Array.from({ length: config.sampling ? options.samples : 1 }, (_, sample) => ({ site, config, sample })),
    ),
  );
  const todo = jobs.filter((j) => !done.has(key(j.site.id, j.config.name, j.sample)));
  options.log?.(`${jobs.length} generations, ${jobs.length - todo.length} already done`);
  const projects = new Map<string, TsProject>();
  const originalErrors = new Map<string, string[]>();
  const written: EvalRecord[] = [];
  let pendingPython: { record: Omit<EvalRecord, 'compiles' | 'newErrors'>; site: DatasetSite; variant: string }[] = [];

  const write = (record: EvalRecord) => {
    appendFileSync(resultsFile, JSON.stringify(record) + '\n');
    written.push(record);
    options.onProgress?.(jobs.length - todo.length + written.length, jobs.length);
  };
  const flushPython = async () => {
    if (pendingPython.length === 0) return;
    const batch = pendingPython;
    pendingPython = [];
    const base = batch.map((b, i) => ({ id: `o${i}`, workspace: b.site.repo, file: join(b.site.repo, b.site.file), text: b.site.prompt + b.site.target + b.site.after }));
    const variants = batch.map((b, i) => ({ id: `v${i}`, workspace: b.site.repo, file: join(b.site.repo, b.site.file), text: b.variant }));
    const diags = await typecheckPythonVariants([...base, ...variants]);
    batch.forEach((b, i) => {
      const of = (id: string) => diags.filter((d) => d.variant === id && d.file === b.site.file).map((d) => `${d.code} ${d.message}`);
      const fresh = newErrors(of(`o${i}`), of(`v${i}`));
      write({ ...b.record, compiles: fresh.length === 0, newErrors: fresh.slice(0, 5) });
    });
  };

  for (const { site, config, sample } of todo) {
    const file = join(site.repo, site.file);
    const lineBefore = site.prompt.slice(site.prompt.lastIndexOf('\n') + 1);
    const started = performance.now();
    const result = await completeInDocument(engine, pool, {
      workspace: site.repo,
      file,
      text: site.prompt + site.after,
      offset: site.prompt.length,
      maxTokens: options.maxTokens ?? 128,
      fim: false, // left to right from the prompt, at every kind of site (the text after the method is not the cursor's suffix)
      monitor: config.monitors.length > 0,
      monitors: config.monitors,
      budgetMs: options.budgetMs,
      warmupMs: OFFLINE_WARMUP_MS, // measure monitoring, not a server still loading
      temperature: config.sampling ? (options.temperature ?? 0.8) : 0,
      topP: config.sampling ? 0.95 : undefined,
      seed: config.sampling ? sample + 1 : undefined,
      // An import site is a line of its own; every other site ends where its method ends.
      ...(site.kind === 'imports'
        ? { stopMode: 'line' as const }
        : { stopWhen: (text: string) => methodEndIndex(site.language, text, { openDepth: site.openDepth, bodyIndent: site.bodyIndent, lineBefore }) }),
    });
    const latencyMs = Math.round(performance.now() - started);
    const generation = result.completion;
    const variant = site.prompt + generation + site.after;
    const scores = scoreGeneration(generation, site.target, site.language);
    const record = {
      site: site.id,
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
      latencyMs,
      triggers: result.monitor.triggers.length,
      degradedTriggers: result.monitor.triggers.filter((t) => t.degraded).length,
      timeouts: result.monitor.triggers.filter((t) => t.reason === 'timeout').length,
    };
    if (site.language === 'python') {
      pendingPython.push({ record, site, variant });
      if (pendingPython.length >= 24) await flushPython();
      continue;
    }
    let project = projects.get(site.repo);
    if (!project) projects.set(site.repo, (project = await TsProject.open(site.repo)));
    let original = originalErrors.get(file);
    if (!original) originalErrors.set(file, (original = (await project.errors(file)).map(errorKey)));
    const fresh = newErrors(original, (await project.errors(file, variant)).map(errorKey));
    write({ ...record, compiles: fresh.length === 0, newErrors: fresh.slice(0, 5) });
  }
  await flushPython();
  await Promise.all([...projects.values()].map((p) => p.dispose()));
  return written;
}
