import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { acquireLock } from '../../src/util/lock-file.js';
import { runCli } from '../helpers/cli.js';
import { PY_PROJECT, TS_PROJECT } from '../helpers/fixtures.js';
import { overlayWorkspace, typecheckPythonVariants } from '../../src/eval/typecheck.js';

const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-eval-robust-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const record = (site: string, over: object = {}) => ({
  site, config: 'greedy', sample: 0, file: 'a.ts', member: 'm', promptTail: 'x.', target: 'm()', generation: 'm()', ended: true,
  compiles: true, newErrors: [], nim: 1, ism: 1, pm: 1, latencyMs: 10, triggers: 0, degradedTriggers: 0, ...over,
});

const site = (over: object = {}) => {
  const text = readFileSync(join(TS_PROJECT, 'src/services/order-service.ts'), 'utf8');
  const dot = text.indexOf('customer.') + 'customer'.length;
  return {
    id: `s${dot}`, repo: TS_PROJECT, language: 'typescript', file: 'src/services/order-service.ts', method: { name: 'm', bodyStart: 0, end: text.length },
    dot, member: 'x', prompt: text.slice(0, dot + 1), target: text.slice(dot + 1), after: '', openDepth: 1, bodyIndent: 0, ...over,
  };
};

describe('eval results and datasets that are damaged (no model needed)', () => {
  it.each([
    ['null', 'null', /results\.jsonl:2: not a result record \(null, not an object\)/],
    ['a wrong shape', JSON.stringify(record('b', { nim: 'high' })), /results\.jsonl:2: not a result record \("nim" must be a number\)/],
    ['a missing field', JSON.stringify({ site: 'b' }), /results\.jsonl:2: not a result record \("config" must be a string\)/],
  ])('eval report refuses a results file with %s, naming the line, and writes no report', async (_what, bad, message) => {
    const dir = join(tmp, `report-${_what.replace(/ /g, '-')}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'results.jsonl'), `${JSON.stringify(record('a'))}\n${bad}\n${JSON.stringify(record('c'))}\n`);
    const r = await runCli(['eval', 'report', '--results', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/TypeError|\n\s+at /);
    expect(existsSync(join(dir, 'report.md'))).toBe(false);
  });

  it('eval report still skips a line an interruption cut', async () => {
    const dir = join(tmp, 'report-cut');
    mkdirSync(dir);
    writeFileSync(join(dir, 'results.jsonl'), `${JSON.stringify(record('a'))}\n${JSON.stringify(record('b')).slice(0, 30)}\n${JSON.stringify(record('c'))}\n`);
    const r = await runCli(['eval', 'report', '--results', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/NaN/);
    expect(r.stdout).toMatch(/\| greedy \| 2 \| 1 \|/);
  });

  it('eval run checks the whole dataset before running anything', async () => {
    const dataset = join(tmp, 'dataset.jsonl');
    const out = join(tmp, 'run-bad-dataset');
    for (const [bad, message] of [
      ['{"id": 3}', /dataset\.jsonl:2: not a dataset site \("id" must be a string\)/],
      [JSON.stringify(site({ id: 'b', file: '../../../etc/passwd' })), /dataset\.jsonl:2: not a dataset site \(.*outside the workspace/],
      [JSON.stringify(site({ id: 'c', repo: join(tmp, 'nope') })), /dataset\.jsonl:2: not a dataset site \(workspace not found/],
      ['not json', /dataset\.jsonl:2: not valid JSON/],
    ] as const) {
      writeFileSync(dataset, `${JSON.stringify(site())}\n${bad}\n`);
      const r = await runCli(['eval', 'run', '--dataset', dataset, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(out, 'results.jsonl'))).toBe(false);
    }
  });

  it('Python CR lays variants over the repository with links: no copy of its data, one folder per distinct text', async () => {
    const repo = join(tmp, 'py-repo');
    cpSync(PY_PROJECT, repo, { recursive: true });
    mkdirSync(join(repo, 'data'));
    writeFileSync(join(repo, 'data', 'blob.bin'), Buffer.alloc(30 * 2 ** 20));
    const file = join(repo, 'shop', 'service.py');
    const original = readFileSync(file, 'utf8');
    const dir = join(tmp, 'overlay');
    overlayWorkspace(dir, repo, file, `${original}\nBROKEN = Customer.no_such_member\n`);
    const written = spawnSync('du', ['-sb', dir], { encoding: 'utf8' }).stdout.split('\t')[0];
    expect(Number(written)).toBeLessThan(200_000);
    const diags = await typecheckPythonVariants([
      { id: 'o1', workspace: repo, file, text: original },
      { id: 'o2', workspace: repo, file, text: original },
      { id: 'v', workspace: repo, file, text: `${original}\nBROKEN = Customer.no_such_member\n` },
    ]);
    expect(diags.map((d) => [d.variant, d.file, d.code])).toEqual([['v', 'shop/service.py', 'reportAttributeAccessIssue']]);
  });

  it('temporary folders go when the process exits, and those of a killed process are swept by the next one', async () => {
    const dir = mkdtempSync(join(tmp, 'tmpdirs-'));
    const module = JSON.stringify(join(packageRoot(), 'dist/src/util/temp-dir.js'));
    // Exits through process.exit (as the CLI does on SIGINT, SIGTERM, SIGHUP): the folder is removed.
    const orderly = spawnSync(process.execPath, ['--input-type=module', '-e', `const { makeTempDir } = await import(${module}); makeTempDir('lsp-codegen-check-'); process.exit(130);`], { env: { ...process.env, TMPDIR: dir }, encoding: 'utf8' });
    expect(orderly.status).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
    // Killed outright: its folder stays until the next run sweeps it.
    const killed = spawnSync(process.execPath, ['--input-type=module', '-e', `const { makeTempDir } = await import(${module}); makeTempDir('lsp-codegen-check-'); process.kill(process.pid, 'SIGKILL');`], { env: { ...process.env, TMPDIR: dir }, encoding: 'utf8' });
    expect(killed.signal).toBe('SIGKILL');
    expect(readdirSync(dir)).toHaveLength(1);
    mkdirSync(join(dir, 'lsp-codegen-sbx-legacy'));
    utimesSync(join(dir, 'lsp-codegen-sbx-legacy'), new Date(Date.now() - 2 * 3_600_000), new Date(Date.now() - 2 * 3_600_000));
    const next = spawnSync(process.execPath, ['--input-type=module', '-e', `const { makeTempDir, sweepStaleTempDirs } = await import(${module}); sweepStaleTempDirs('lsp-codegen-sbx-'); const t = makeTempDir('lsp-codegen-check-'); t.remove();`], { env: { ...process.env, TMPDIR: dir }, encoding: 'utf8' });
    expect(next.status).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('two runs on one results folder: the second is refused while the first holds it; a dead holder’s lock is taken over', async () => {
    const dir = join(tmp, 'locked');
    mkdirSync(dir);
    const release = acquireLock(join(dir, '.lock'), 'the results folder');
    const dataset = join(tmp, 'one-site.jsonl');
    writeFileSync(dataset, `${JSON.stringify(site())}\n`);
    const r = await runCli(['eval', 'run', '--dataset', dataset, '--out', dir, '--configs', 'greedy']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/results folder .* is in use by another process \(\d+@/);
    release();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    // A process that took the lock and died without releasing it.
    const child = spawn(process.execPath, ['-e', `require('node:fs').writeFileSync(${JSON.stringify(join(dir, '.lock'))}, process.pid + '@' + require('node:os').hostname())`]);
    await new Promise((r) => child.on('exit', r));
    const again = acquireLock(join(dir, '.lock'), 'the results folder');
    expect(readFileSync(join(dir, '.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid}@`));
    again();
  });
});
