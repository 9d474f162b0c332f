import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeInDocument, type DocumentCompletionResult } from '../../src/engine/document-completion.js';
import { Engine } from '../../src/engine/engine.js';
import { packageRoot } from '../../src/engine/package-root.js';
import { loadDataset, type DatasetSite } from '../../src/eval/dataset.js';
import { siteDocument } from '../../src/eval/sites.js';
import { errorKind, type CheckDiagnostic } from '../../src/eval/typecheck.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { checkFixtureVariants } from '../helpers/check-variants.js';

// Every monitor kind but the dereference (mgd-e2e covers it with its own checks), on the fixture sites the
// evaluation's builder made: the first 15 of each kind and language, free decoding against all monitors.
const FIXTURES = join(packageRoot(), 'fixtures');
const PER_KIND = 15;
const all = loadDataset(join(FIXTURES, 'sites.jsonl'));
const combos = [...new Set(all.filter((s) => s.kind !== 'deref').map((s) => `${s.language}/${s.kind}`))].sort();
const sites = combos.flatMap((c) => all.filter((s) => `${s.language}/${s.kind}` === c).slice(0, PER_KIND));

interface Outcome {
  readonly site: DatasetSite;
  readonly free: DocumentCompletionResult;
  readonly monitored: DocumentCompletionResult;
}

let engine: Engine;
const pool = new ServerPool({ idleMs: 0 });
const outcomes: Outcome[] = [];
const diagnostics: CheckDiagnostic[] = [];

/** The variant id of a site's completion. */
const variantOf = (site: DatasetSite, which: 'free' | 'monitored') => `${site.id}#${which}`;

beforeAll(async () => {
  engine = await Engine.load();
  for (const site of sites) {
    const doc = siteDocument(site);
    // Left to right (the shipped model's fill-in-the-middle is weak), and a generous per-trigger budget: this
    // test is about what the monitors allow, not about latency.
    // Inside a call or a string the statement stop mode would end before the `)` the prompt opened: those
    // sites complete to the end of the line.
    const stopMode = site.kind === 'keys' || site.kind === 'new' ? ('statement' as const) : ('line' as const);
    const base = { ...doc, fim: false, maxTokens: 32, stopMode, budgetMs: 3000, warmupMs: 120_000 };
    const free = await completeInDocument(engine, pool, { ...base, monitor: false });
    const monitored = await completeInDocument(engine, pool, { ...base });
    outcomes.push({ site, free, monitored });
  }
  const variants = outcomes.flatMap((o) => {
    const doc = siteDocument(o.site);
    return (['free', 'monitored'] as const).map((which) => ({
      id: variantOf(o.site, which),
      workspace: doc.workspace,
      file: doc.file,
      text: doc.text.slice(0, doc.offset) + o[which].completion + doc.text.slice(doc.offset),
      language: o.site.language,
      relative: o.site.file,
    }));
  });
  diagnostics.push(...(await checkFixtureVariants(variants)));
}, 1_200_000);

afterAll(async () => {
  await pool.dispose();
  await engine?.dispose();
});

/** Whether the completion came to an end of its own (a statement or line end): not cut by the token limit. */
const ended = (o: Outcome, which: 'free' | 'monitored') => o[which].finishReason !== 'length';

/** Diagnostics on the lines the completion occupies. */
function errorsIn(o: Outcome, which: 'free' | 'monitored'): CheckDiagnostic[] {
  const first = o.site.prompt.split('\n').length;
  const last = first + (o[which].completion.match(/\n/g)?.length ?? 0);
  return diagnostics.filter((d) => d.variant === variantOf(o.site, which) && d.file === o.site.file && d.line >= first && d.line <= last);
}

interface Row {
  combo: string;
  sites: number;
  kindErrors: { free: number; monitored: number };
  truncated: { free: number; monitored: number };
  compiles: { free: number; monitored: number };
  expectedMatch: { free: number; monitored: number };
  triggers: number;
  degraded: number;
}

function table(): Row[] {
  return combos.map((combo) => {
    const os = outcomes.filter((o) => `${o.site.language}/${o.site.kind}` === combo);
    const kind = os[0]!.site.kind;
    const count = (pick: (o: Outcome) => boolean) => os.filter(pick).length;
    const both = <T,>(f: (o: Outcome, which: 'free' | 'monitored') => boolean) => ({ free: count((o) => f(o, 'free')), monitored: count((o) => f(o, 'monitored')) });
    // The site's own trigger: a word monitor's at the cursor (the dot just before it), a call's at its `(`.
    const atSite = (o: Outcome, offset: number) => (kind === 'call' || kind === 'kwargs' ? offset < o.site.cursor : offset >= o.site.cursor - 1 && offset <= o.site.cursor);
    const triggers = os.flatMap((o) => o.monitored.monitor.triggers.filter((t) => t.monitor === kind && atSite(o, t.offset)));
    return {
      combo,
      sites: os.length,
      kindErrors: both((o, w) => ended(o, w) && errorsIn(o, w).some((d) => errorKind(d) === kind)),
      truncated: both((o, w) => !ended(o, w)),
      compiles: both((o, w) => errorsIn(o, w).length === 0),
      expectedMatch: both((o, w) => o[w].completion.startsWith(o.site.expected)),
      triggers: triggers.length,
      degraded: triggers.filter((t) => t.degraded).length,
    };
  });
}

describe('every monitor end to end (real model, real servers, fixture sites of the evaluation builder)', () => {
  it('has at least 15 sites of every kind, in TypeScript and Python where the kind exists', () => {
    const kinds = (language: string) => new Set(all.filter((s) => s.language === language).map((s) => s.kind));
    expect([...kinds('typescript')].sort()).toEqual(['call', 'deref', 'imports', 'keys', 'literals', 'new']);
    expect([...kinds('python')].sort()).toEqual(['call', 'deref', 'imports', 'kwargs', 'literals']);
    for (const combo of combos) expect({ combo, n: sites.filter((s) => `${s.language}/${s.kind}` === combo).length }).toEqual({ combo, n: PER_KIND });
  });

  it('with the monitors, no completion has a compiler error of the kind its monitor guards; free decoding has some', () => {
    const rows = table();
    console.log(
      'kind                  sites  kind errors free→mon  compiles free→mon  expected-text match free→mon  triggers (degraded)  cut at the token limit free→mon\n' +
        rows
          .map(
            (r) =>
              `${r.combo.padEnd(22)}${String(r.sites).padStart(5)}  ${String(r.kindErrors.free).padStart(10)} → ${String(r.kindErrors.monitored).padEnd(6)}` +
              `${String(r.compiles.free).padStart(10)} → ${String(r.compiles.monitored).padEnd(6)}${String(r.expectedMatch.free).padStart(14)} → ${String(r.expectedMatch.monitored).padEnd(14)}` +
              `${`${r.triggers} (${r.degraded})`.padEnd(21)}${r.truncated.free} → ${r.truncated.monitored}`,
          )
          .join('\n'),
    );
    // The guarantee holds where the monitor answered: a trigger of the kind that degraded (the server was busy,
    // slow or late on a loaded machine) left that place free.
    const guarded = (o: Outcome) => ended(o, 'monitored') && !o.monitored.monitor.triggers.some((t) => t.monitor === o.site.kind && t.degraded);
    const offending = outcomes.flatMap((o) =>
      (guarded(o) ? errorsIn(o, 'monitored') : [])
        .filter((d) => errorKind(d) === o.site.kind)
        .map((d) => ({ site: o.site.id, completion: o.monitored.completion, error: `${d.code} ${d.message}` })),
    );
    expect(offending).toEqual([]);
    const free = rows.reduce((n, r) => n + r.kindErrors.free, 0);
    expect(free).toBeGreaterThan(0);
  });

  it('the monitors fire at the sites and do not make completions compile less often overall', () => {
    const rows = table();
    for (const r of rows) expect({ combo: r.combo, fired: r.triggers > 0 }).toEqual({ combo: r.combo, fired: true });
    const total = (f: (r: Row) => number) => rows.reduce((n, r) => n + f(r), 0);
    expect(total((r) => r.compiles.monitored)).toBeGreaterThanOrEqual(total((r) => r.compiles.free));
  });
});

