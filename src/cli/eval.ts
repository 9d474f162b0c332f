import { existsSync, statSync, writeFileSync } from 'node:fs';
import { buildDataset, loadDataset } from '../eval/dataset.js';
import { readRecords, parseConfigs, runEvaluation, CONFIG_NAMES, DEFAULT_CONFIGS } from '../eval/run.js';
import { writeComparison, writeReport } from '../eval/report.js';
import { readManifest } from '../eval/manifest.js';
import { mergeResults } from '../eval/merge.js';
import { Engine } from '../engine/engine.js';
import { ServerPool } from '../lsp/pool.js';
import { choiceFlag, millisecondsFlag, monitorsFlag, numberFlag, parse, parseWithPositionals, shardFlag, UsageError } from './args.js';

export const EVAL_USAGE = `lsp-codegen eval <build|run|report> [options]

PragmaticCode-style evaluation of monitor-guided decoding.

  eval build --repo DIR --out dataset.jsonl [--task monitor|line] [--kinds LIST] [--max-sites N] [--seed S]
      Sites inside non-trivial methods of a repository that type-checks (files with errors are reported
      and skipped). --task monitor (default), --kinds (default deref): dereferences whose member is defined
      in another file or a library; and, for the other monitors (call, keys, literals, new, imports, kwargs,
      or all), the places where that monitor fires on the real code and the language server gives it
      something to judge that the code's own text satisfies. --task line: cursors at a line's indentation
      and mid-line (never in a comment or a string); the target is the rest of the line. --max-sites is per
      kind.
  eval run --dataset FILE --out DIR [--configs LIST] [--samples N] [--shard i/N] [--parallel N] [--model DIR]
           [--max-tokens N] [--budget-ms MS]
      Generates for every site and configuration (${CONFIG_NAMES.join(', ')};
      default ${DEFAULT_CONFIGS.join(',')}): +mgd is the dereference monitor alone, +mgd-all every monitor,
      +fim fill-in-the-middle with the real suffix (otherwise left to right, the suffix only stopping the
      generation). Monitor sites: cut at the end of the method, CR, NIM, ISM, PM; line sites: the first line,
      exact match and edit similarity, CR. --shard i/N runs the sites whose index is i modulo N (0 ≤ i < N);
      --parallel N keeps N generations in flight, their decoding steps batched through the model.
      Resumable: results are appended to DIR/results.jsonl (DIR/run.json says what made them; a rerun with
      other settings is refused) and a rerun skips finished items.
  eval merge --out DIR DIR1 DIR2 ...
      Combines the results folders of shards of one evaluation; refuses folders made from other datasets,
      configurations, samples, models or compilers, and shards that overlap.
  eval report --results DIR [--compare DIR2]
      Writes DIR/report.md and a self-contained DIR/report.html (score@k tables and plots, per-site diff and
      filters) and prints the table. --compare DIR2 puts a second run of the same dataset (another model or
      policy) beside it, over the sites both finished, and writes DIR/compare.md.`;

const BUILD = {
  repo: { type: 'string' },
  task: { type: 'string' },
  out: { type: 'string' },
  kinds: { type: 'string' },
  'max-sites': { type: 'string' },
  seed: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
const RUN = {
  dataset: { type: 'string' },
  out: { type: 'string' },
  configs: { type: 'string' },
  samples: { type: 'string' },
  model: { type: 'string' },
  'max-tokens': { type: 'string' },
  'budget-ms': { type: 'string' },
  shard: { type: 'string' },
  parallel: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
const REPORT = { results: { type: 'string' }, compare: { type: 'string' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
const MERGE = { out: { type: 'string' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** Progress on stderr: a bar redrawn in place on a terminal, else a line every 5 % (a log file, a pod's log). */
export function progress(tty = process.stderr.isTTY, write = (text: string) => void process.stderr.write(text)): (done: number, total: number) => void {
  const started = Date.now();
  let first: number | undefined;
  let lastStep = -1;
  return (done, total) => {
    first ??= done - 1;
    const rate = (Date.now() - started) / Math.max(1, done - first);
    const eta = Math.round(((total - done) * rate) / 1000);
    // The first items carry the cold start: no estimate until a few are done.
    const etaText = done - first < 3 && done !== total ? 'ETA …' : `ETA ${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s`;
    if (!tty) {
      const step = Math.floor((20 * done) / total);
      if (step === lastStep && done !== total) return;
      lastStep = step;
      write(`eval run: ${done}/${total} (${Math.floor((100 * done) / total)}%) ${etaText}\n`);
      return;
    }
    const width = 30;
    const filled = Math.round((done / total) * width);
    write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${etaText}`);
    if (done === total) write('\n');
  };
}

export async function evalCommand(argv: string[], out: (text: string) => void): Promise<void> {
  const [sub, ...rest] = argv;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (sub === undefined || sub === '--help' || sub === '-h') return out(EVAL_USAGE);
  if (sub === 'build') {
    const { values } = parse(rest, BUILD);
    if (values.help) return out(EVAL_USAGE);
    if (!values.repo || !values.out) throw new UsageError('eval build needs --repo DIR and --out FILE');
    if (!existsSync(values.repo) || !statSync(values.repo).isDirectory()) throw new Error(`repository not found: ${values.repo}`);
    const pool = new ServerPool({ idleMs: 0 });
    try {
      const task = choiceFlag(values, 'task', ['monitor', 'line'] as const) ?? 'monitor';
      if (task === 'line' && values.kinds !== undefined) throw new UsageError('--kinds is for --task monitor (line sites are of one kind)');
      const report = await buildDataset(values.repo, pool, {
        task,
        kinds: monitorsFlag(values, 'kinds') ?? ['deref'],
        maxSites: numberFlag(values, 'max-sites', { min: 1, integer: true }),
        seed: numberFlag(values, 'seed', { min: 0, integer: true }),
        log,
      });
      for (const s of report.skippedFiles) log(`skipped ${s.file}: ${s.reason ?? `${s.errors} type errors before any change`}`);
      writeFileSync(values.out, report.sites.map((s) => JSON.stringify(s)).join('\n') + (report.sites.length ? '\n' : ''));
      out(`${report.sites.length} sites from ${report.methods} methods in ${report.files - report.skippedFiles.length} files (${report.skippedFiles.length} skipped, ${report.local} local dereferences left out) → ${values.out}`);
    } finally {
      await pool.dispose();
    }
    return;
  }
  if (sub === 'run') {
    const { values } = parse(rest, RUN);
    if (values.help) return out(EVAL_USAGE);
    if (!values.dataset || !values.out) throw new UsageError('eval run needs --dataset FILE and --out DIR');
    let configs;
    try {
      configs = parseConfigs(values.configs ?? DEFAULT_CONFIGS.join(','));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const samples = numberFlag(values, 'samples', { min: 1, max: 100, integer: true }) ?? 4;
    const maxTokens = numberFlag(values, 'max-tokens', { min: 1, max: 900, integer: true });
    const budgetMs = millisecondsFlag(values, 'budget-ms');
    const parallel = numberFlag(values, 'parallel', { min: 1, max: 16, integer: true }) ?? 1;
    const shard = shardFlag(values);
    const sites = loadDataset(values.dataset);
    const engine = await Engine.load({ modelDir: values.model, batching: parallel > 1 });
    const pool = new ServerPool({ idleMs: 0 });
    try {
      const written = await runEvaluation(engine, pool, sites, values.out, { configs, samples, maxTokens, budgetMs, shard, parallel, datasetFile: values.dataset, onProgress: progress(), log });
      out(`${written.length} new results in ${values.out}/results.jsonl (${readRecords(values.out).length} in all)`);
    } finally {
      await Promise.all([pool.dispose(), engine.dispose()]);
    }
    return;
  }
  if (sub === 'report') {
    const { values } = parse(rest, REPORT);
    if (values.help) return out(EVAL_USAGE);
    if (!values.results) throw new UsageError('eval report needs --results DIR');
    const records = readRecords(values.results);
    if (records.length === 0) throw new Error(`no results in ${values.results}/results.jsonl`);
    if (values.compare !== undefined) {
      const markdown = writeComparison(values.results, values.compare);
      out(`${markdown}\nwrote ${values.results}/compare.md`);
      return;
    }
    const { markdown } = writeReport(values.results, records, readManifest(values.results));
    out(`${markdown}\nwrote ${values.results}/report.md and ${values.results}/report.html`);
    return;
  }
  if (sub === 'merge') {
    const { values, positionals } = parseWithPositionals(rest, MERGE);
    if (values.help) return out(EVAL_USAGE);
    if (!values.out || positionals.length < 2) throw new UsageError('eval merge needs --out DIR and at least two results folders');
    const merged = mergeResults(positionals, values.out);
    out(`${merged.records} results from ${positionals.length} folders → ${values.out}/results.jsonl${merged.missing.length ? ` (shards ${merged.missing.join(', ')} of ${merged.count} still missing)` : ''}`);
    return;
  }
  throw new UsageError(`unknown eval command "${sub}" (build, run, merge or report)`);
}
