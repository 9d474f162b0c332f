import { existsSync, statSync, writeFileSync } from 'node:fs';
import { buildDataset, loadDataset } from '../eval/dataset.js';
import { readRecords, parseConfigs, runEvaluation, CONFIG_NAMES, DEFAULT_CONFIGS } from '../eval/run.js';
import { writeReport } from '../eval/report.js';
import { Engine } from '../engine/engine.js';
import { ServerPool } from '../lsp/pool.js';
import { millisecondsFlag, monitorsFlag, numberFlag, parse, UsageError } from './args.js';

export const EVAL_USAGE = `lsp-codegen eval <build|run|report> [options]

PragmaticCode-style evaluation of monitor-guided decoding.

  eval build --repo DIR --out dataset.jsonl [--kinds LIST] [--max-sites N] [--seed S]
      Sites inside non-trivial methods of a repository that type-checks (files with errors are reported
      and skipped). --kinds (default deref): dereferences whose member is defined in another file or a
      library; and, for the other monitors (call, keys, literals, new, imports, kwargs, or all), the places
      where that monitor fires on the real code and the language server gives it something to judge that
      the code's own text satisfies. --max-sites is per kind.
  eval run --dataset FILE --out DIR [--configs LIST] [--samples N] [--model DIR] [--max-tokens N] [--budget-ms MS]
      Generates for every site and configuration (${CONFIG_NAMES.join(', ')}; default
      ${DEFAULT_CONFIGS.join(',')}): +mgd is the dereference monitor alone, +mgd-all every monitor;
      cuts at the end of the method, splices into the file and scores CR, NIM, ISM, PM and latency.
      Resumable: results are appended to DIR/results.jsonl and a rerun skips finished items.
  eval report --results DIR
      Writes DIR/report.md and a self-contained DIR/report.html (score@k tables and plots, per-site
      drill-down) and prints the table.`;

const BUILD = {
  repo: { type: 'string' },
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
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
const REPORT = { results: { type: 'string' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

function progress(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const started = Date.now();
  let first: number | undefined;
  return (done, total) => {
    first ??= done - 1;
    const rate = (Date.now() - started) / Math.max(1, done - first);
    const eta = Math.round(((total - done) * rate) / 1000);
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ETA ${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s`);
    if (done === total) process.stderr.write('\n');
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
      const report = await buildDataset(values.repo, pool, {
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
    const sites = loadDataset(values.dataset);
    const engine = await Engine.load({ modelDir: values.model });
    const pool = new ServerPool({ idleMs: 0 });
    try {
      const written = await runEvaluation(engine, pool, sites, values.out, { configs, samples, maxTokens, budgetMs, onProgress: progress(), log });
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
    const { markdown } = writeReport(values.results, records);
    out(`${markdown}\nwrote ${values.results}/report.md and ${values.results}/report.html`);
    return;
  }
  throw new UsageError(`unknown eval command "${sub}" (build, run or report)`);
}
