import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { packageRoot } from '../../src/engine/package-root.js';
import { buildDataset, loadDataset, type DatasetSite } from '../../src/eval/dataset.js';
import { writeReport } from '../../src/eval/report.js';
import { parseConfigs, readRecords, runEvaluation } from '../../src/eval/run.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { runCli } from '../helpers/cli.js';
import { PY_PROJECT, TS_PROJECT } from '../helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-eval-'));
const pool = new ServerPool({ idleMs: 0 });
let engine: Engine;
let tsSites: DatasetSite[];
let pySites: DatasetSite[];

beforeAll(async () => {
  engine = await Engine.load();
  tsSites = (await buildDataset(TS_PROJECT, pool)).sites;
  pySites = (await buildDataset(PY_PROJECT, pool)).sites;
}, 300_000);

afterAll(async () => {
  await pool.dispose();
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('eval build (real language servers)', () => {
  it('keeps only dereferences whose member is defined in another file or a library', async () => {
    expect(tsSites.length).toBeGreaterThan(10);
    expect(pySites.length).toBeGreaterThan(5);
    for (const site of [...tsSites, ...pySites]) {
      const file = join(site.repo, site.file);
      const text = site.prompt + site.target + site.after;
      expect(text).toBe(readFileSync(file, 'utf8'));
      expect(site.prompt.endsWith('.')).toBe(true);
      expect(site.kind).toBe('deref');
      expect(site.target.startsWith(site.expected)).toBe(true);
      const where = await pool.server(site.repo, site.language).definition(file, text, site.cursor);
      expect(where.some((u) => u.endsWith(site.file))).toBe(false);
    }
    // In OrderService.order, `this.customers` is a field of the same class (local, left out) while
    // `this.customers.get` is Repository's, from another file (kept).
    const service = tsSites.filter((s) => s.file === 'src/services/order-service.ts').map((s) => s.expected);
    expect(service).not.toContain('customers');
    expect(service).toContain('get');
  });

  it('--kinds builds the sites of other monitors: each where its monitor fires and the server agrees with the code', async () => {
    const file = join(tmp, 'kinds.jsonl');
    const r = await runCli(['eval', 'build', '--repo', TS_PROJECT, '--out', file, '--kinds', 'keys,literals,new', '--max-sites', '6']);
    expect(r.code, r.stderr).toBe(0);
    const sites = loadDataset(file);
    expect(sites.filter((s) => s.kind === 'keys')).toHaveLength(6);
    expect(sites.filter((s) => s.kind === 'literals')).toHaveLength(6);
    expect(sites.filter((s) => s.kind === 'new')).toHaveLength(6);
    for (const s of sites) {
      expect(s.prompt + s.target + s.after).toBe(readFileSync(join(s.repo, s.file), 'utf8'));
      expect(s.target.startsWith(s.expected)).toBe(true);
      if (s.kind === 'new') expect(s.prompt).toMatch(/new $/);
      if (s.kind === 'literals') expect(s.prompt).toMatch(/['"]$/);
    }
    const bad = await runCli(['eval', 'build', '--repo', TS_PROJECT, '--out', file, '--kinds', 'keyz']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kinds: unknown monitor 'keyz'/);
  }, 300_000);

  it('reports and skips files that already have type errors', async () => {
    const repo = join(tmp, 'broken-repo');
    cpSync(TS_PROJECT, repo, { recursive: true });
    symlinkSync(join(packageRoot(), 'node_modules'), join(repo, 'node_modules')); // @types/node, as in the fixture's place
    writeFileSync(join(repo, 'src/util/format.ts'), readFileSync(join(repo, 'src/util/format.ts'), 'utf8') + '\nexport const broken: number = "text";\n');
    const report = await buildDataset(repo, pool, { maxSites: 5, seed: 3 });
    expect(report.skippedFiles).toEqual([{ file: 'src/util/format.ts', errors: 1 }]);
    expect(report.sites.every((s) => s.file !== 'src/util/format.ts')).toBe(true);
    expect(report.sites.length).toBe(5);
  });

  it('skips links that lead out of the repository, survives a loop of links and a 2,000-deep import chain', async () => {
    const repo = join(tmp, 'linked-repo');
    cpSync(TS_PROJECT, repo, { recursive: true });
    symlinkSync(join(packageRoot(), 'node_modules'), join(repo, 'node_modules'));
    const outside = mkdtempSync(join(tmpdir(), 'lsp-codegen-outside-'));
    writeFileSync(join(outside, 'secret.ts'), 'export class Secret {\n  reveal(): string {\n    const s = "x".repeat(3);\n    return s.toUpperCase();\n  }\n}\n');
    symlinkSync(join(outside, 'secret.ts'), join(repo, 'src', 'shadow.ts'));
    symlinkSync(outside, join(repo, 'src', 'elsewhere'));
    symlinkSync('..', join(repo, 'src', 'loop'));
    mkdirSync(join(repo, 'src', 'chain'));
    const N = 2000;
    for (let i = 0; i < N; i++) {
      const next = i + 1 < N ? `import { v${i + 1} } from './m${i + 1}.js';\n` : '';
      writeFileSync(join(repo, 'src', 'chain', `m${i}.ts`), `${next}export const v${i} = ${i + 1 < N ? `v${i + 1} + 1` : '1'};\n`);
    }
    writeFileSync(join(repo, 'src', 'chain', 'use.ts'), "import { v0 } from './m0.js';\nexport function twice(): string {\n  const n = v0 * 2;\n  return n.toFixed(1).padStart(8);\n}\n");
    try {
      const report = await buildDataset(repo, pool, { maxSites: 40, seed: 1 });
      const seen = [...report.sites.map((s) => s.file), ...report.skippedFiles.map((s) => s.file)];
      expect(seen.filter((f) => /shadow|elsewhere|loop/.test(f))).toEqual([]);
      expect(report.skippedFiles).toEqual([]);
      expect(report.files).toBe(N + 1 + 10); // the chain, its user, the fixture's own 10 files
      expect(report.sites.some((s) => s.file === 'src/chain/use.ts')).toBe(true);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('eval run and report (real model)', () => {
  it('scores every configuration, resumes after an interruption, and writes the reports', async () => {
    const sites = [...tsSites.slice(0, 3), ...pySites.slice(0, 2)];
    const out = join(tmp, 'run');
    const configs = parseConfigs('greedy,greedy+mgd,greedy+mgd-all,sample+mgd');
    expect(configs.map((c) => c.monitors.length)).toEqual([0, 1, 7, 1]);
    expect(parseConfigs('greedy+mgd-all+fim')).toEqual([{ name: 'greedy+mgd-all+fim', sampling: false, monitors: parseConfigs('greedy+mgd-all')[0]!.monitors, fim: true }]);
    expect(() => parseConfigs('greedy,greedy')).toThrow(/given twice/);
    const datasetFile = join(tmp, 'run-sites.jsonl');
    writeFileSync(datasetFile, sites.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const options = { configs, samples: 2, maxTokens: 48, budgetMs: 3000, datasetFile };
    const first = await runEvaluation(engine, pool, sites, out, options);
    expect(first).toHaveLength(sites.length * (1 + 1 + 1 + 2));
    for (const r of first) {
      expect(r.nim === 0 || r.nim === 1).toBe(true);
      expect(r.ism).toBeGreaterThanOrEqual(0);
      expect(r.pm).toBeLessThanOrEqual(1);
      expect(typeof r.compiles).toBe('boolean');
    }
    // With the monitor, the member written after the dot is always one the server allows, so no
    // "does not exist" error appears in the spliced file.
    for (const r of first.filter((x) => x.config.includes('+mgd'))) {
      expect(r.newErrors.some((e) => /^TS(2339|2551) /.test(e) || /Cannot access attribute/.test(e))).toBe(false);
    }
    // Interrupted: keep two records and half a line; the rerun does exactly the missing ones.
    const file = join(out, 'results.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 20)}`);
    expect(readRecords(out)).toHaveLength(2);
    const again = await runEvaluation(engine, pool, sites, out, options);
    expect(again).toHaveLength(first.length - 2);
    expect(await runEvaluation(engine, pool, sites, out, options)).toHaveLength(0);

    // One sample of one site lost: that site has 1 of 2 samples and is left out of sample+mgd's @k, said so.
    const kept = readRecords(out);
    const lost = kept.findIndex((r) => r.config === 'sample+mgd');
    const { summaries, markdown } = writeReport(out, kept.filter((_, i) => i !== lost));
    expect(summaries.map((s) => [s.config, s.sites, s.complete, s.n])).toEqual([
      ['greedy', 5, 5, 1],
      ['greedy+mgd', 5, 5, 1],
      ['greedy+mgd-all', 5, 5, 1],
      ['sample+mgd', 5, 4, 2],
    ]);
    expect(markdown).toMatch(/\| configuration \| sites \(all n samples \/ any\) \| n \| CR@1 \| NIM@1 \| ISM@1 \| PM@1 \|/);
    expect(markdown).toMatch(/\| sample\+mgd \| 4 \/ 5 \| 2 \|/);
    // Errors name files relative to the repository, never by the machine's absolute path.
    expect(readFileSync(file, 'utf8')).not.toContain(TS_PROJECT);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html.match(/<details class="site">/g)).toHaveLength(5);
    // Sites are named file:line:column; each generation is a diff against the target; filters by configuration and verdict.
    expect(html).toMatch(/<summary>src\/[\w/-]+\.ts:\d+:\d+ — /);
    expect(html).toMatch(/<pre class="diff">[^]*?<(ins|del)>/);
    expect(html).toContain('<select id="f-config"><option value="">all</option><option>greedy</option>');
    expect(html).toContain('<select id="f-cr">');
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  }, 600_000);
});
