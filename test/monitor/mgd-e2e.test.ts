import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeInDocument, type DocumentCompletionResult } from '../../src/engine/document-completion.js';
import { Engine } from '../../src/engine/engine.js';
import { packageRoot } from '../../src/engine/package-root.js';
import { loadDataset, type DatasetSite } from '../../src/eval/dataset.js';
import { firstIdentifier, siteDocument } from '../../src/eval/sites.js';
import { isMissingMember, type CheckDiagnostic } from '../../src/eval/typecheck.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { checkFixtureVariants } from '../helpers/check-variants.js';

const FIXTURES = join(packageRoot(), 'fixtures');
// The fixture dereference sites, made by the evaluation's site builder (scripts/make-sites.mjs).
const sites = loadDataset(join(FIXTURES, 'sites.jsonl')).filter((s) => s.kind === 'deref');

interface Outcome {
  site: DatasetSite;
  legal: readonly string[];
  withMonitor: DocumentCompletionResult;
  without: DocumentCompletionResult;
  text: { withMonitor: string; without: string };
}

let engine: Engine;
const pool = new ServerPool({ idleMs: 0 });
const outcomes: Outcome[] = [];
const diagnostics: CheckDiagnostic[] = [];

beforeAll(async () => {
  engine = await Engine.load();
  for (const site of sites) {
    const doc = siteDocument(site);
    const legal = (await pool.members(doc.workspace, { file: doc.file, text: doc.text, offset: doc.offset })).members.map((m) => m.name);
    // A generous per-trigger budget: this test is about what the monitor allows, not about latency (the
    // suite runs two files at once on two cores).
    const base = { ...doc, maxTokens: 40, stopMode: 'statement' as const, budgetMs: 3000 };
    const withMonitor = await completeInDocument(engine, pool, { ...base, monitors: ['deref'] });
    const without = await completeInDocument(engine, pool, { ...base, monitor: false });
    const insert = (c: string) => doc.text.slice(0, doc.offset) + c + doc.text.slice(doc.offset);
    outcomes.push({ site, legal, withMonitor, without, text: { withMonitor: insert(withMonitor.completion), without: insert(without.completion) } });
  }
  const variants = outcomes.flatMap((o) => {
    const doc = siteDocument(o.site);
    return (
      [
        ['mgd', o.text.withMonitor],
        ['free', o.text.without],
      ] as const
    ).map(([which, text]) => ({ id: `${o.site.id}#${which}`, workspace: doc.workspace, file: doc.file, text, language: o.site.language, relative: o.site.file }));
  });
  diagnostics.push(...(await checkFixtureVariants(variants)));
}, 900_000);

afterAll(async () => {
  await pool.dispose();
  await engine?.dispose();
});

/** A "property does not exist" error on the site's line(s) of a variant. */
function missingMember(o: Outcome, which: 'mgd' | 'free'): CheckDiagnostic | undefined {
  const completion = which === 'mgd' ? o.withMonitor.completion : o.without.completion;
  const line = o.site.prompt.split('\n').length;
  const lastLine = line + (completion.match(/\n/g)?.length ?? 0);
  return diagnostics.find((d) => d.variant === `${o.site.id}#${which}` && d.file === o.site.file && isMissingMember(d) && d.line >= line && d.line <= lastLine);
}

describe('monitor-guided decoding end to end (real model, real servers)', () => {
  it('covers at least 40 fixture sites in both languages, about half into other files and libraries', () => {
    expect(sites.length).toBeGreaterThanOrEqual(40);
    expect(sites.filter((s) => s.language === 'python').length).toBeGreaterThanOrEqual(15);
    expect(sites.filter((s) => !s.local).length).toBeGreaterThan(sites.length * 0.4);
  });

  it('with the monitor, the identifier after the dot is always one the language server allows', () => {
    for (const o of outcomes) {
      const chosen = firstIdentifier(o.withMonitor.completion);
      expect({ site: o.site.id, chosen, legal: o.legal.includes(chosen) }).toEqual({ site: o.site.id, chosen, legal: true });
      const dot = siteDocument(o.site).offset - 1;
      expect(o.withMonitor.monitor.triggers.find((t) => t.offset === dot)).toMatchObject({ monitor: 'deref', degraded: false, chosen });
    }
  });

  it('with the monitor, the checker finds no "property does not exist" error at any site', () => {
    const errors = outcomes.map((o) => missingMember(o, 'mgd')).filter(Boolean);
    expect(errors).toEqual([]);
  });

  it('the monitor is never worse than free decoding, and free decoding often invents members', () => {
    const count = (pick: (o: Outcome) => boolean) => outcomes.filter(pick).length;
    const freeIllegal = count((o) => !o.legal.includes(firstIdentifier(o.without.completion)));
    const freeErrors = count((o) => missingMember(o, 'free') !== undefined);
    const nim = { mgd: count((o) => firstIdentifier(o.withMonitor.completion) === o.site.expected), free: count((o) => firstIdentifier(o.without.completion) === o.site.expected) };
    console.log(
      `MGD e2e on ${outcomes.length} sites: free decoding wrote an illegal member at ${freeIllegal} ` +
        `(checker errors at ${freeErrors}); with the monitor 0. Next-identifier match: free ${nim.free}, MGD ${nim.mgd}.`,
    );
    expect(freeIllegal).toBeGreaterThan(0);
    expect(count((o) => o.legal.includes(firstIdentifier(o.withMonitor.completion)))).toBeGreaterThanOrEqual(outcomes.length - freeIllegal);
    expect(nim.mgd).toBeGreaterThanOrEqual(nim.free);
  });
});
