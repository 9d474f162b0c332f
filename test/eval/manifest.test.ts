import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseShard, shardOf, writeManifest, type RunManifest } from '../../src/eval/manifest.js';
import { mergeResults } from '../../src/eval/merge.js';
import { writeComparison } from '../../src/eval/report.js';
import { readRecords } from '../../src/eval/run.js';

const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-merge-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MANIFEST: RunManifest = {
  dataset: { sha256: 'a'.repeat(64), sites: 4 },
  configs: ['greedy', 'sample'],
  samples: 2,
  temperature: 0.8,
  maxTokens: null,
  budgetMs: null,
  model: { name: 'code-lm-19m', sha256: 'b'.repeat(64) },
  checkers: { repo: 'TypeScript 7.0.2 (the repository’s own)' },
};

const record = (site: string, config: string, sample: number) => ({
  site,
  config,
  sample,
  file: 'f.ts',
  member: 'm',
  promptTail: '',
  target: 't',
  generation: 'g',
  ended: true,
  compiles: true,
  newErrors: [],
  nim: 1,
  ism: 1,
  pm: 1,
  latencyMs: 5,
  triggers: 0,
  degradedTriggers: 0,
});

/** A results folder holding `sites` (names) for shard `index` of `count`, with `patch` applied to its manifest. */
function folder(name: string, sites: string[], index: number | undefined, count: number, patch: Partial<RunManifest> = {}): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeManifest(dir, { ...MANIFEST, ...(index === undefined ? {} : { shards: { count, indices: [index] } }), ...patch });
  const lines = sites.flatMap((s) => [record(s, 'greedy', 0), record(s, 'sample', 0), record(s, 'sample', 1)]);
  writeFileSync(join(dir, 'results.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return dir;
}

describe('shards (pure)', () => {
  it('parses i/N and slices by index modulo N, every item in exactly one shard', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    for (const bad of ['5/5', '1', '-1/3', 'a/b', '0/0', '1/2/3']) expect(() => parseShard(bad)).toThrow(/--shard must be i\/N/);
    const items = Array.from({ length: 11 }, (_, i) => i);
    const parts = [0, 1, 2].map((index) => shardOf(items, { index, count: 3 }));
    expect(parts[1]).toEqual([1, 4, 7, 10]);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(items);
    expect(shardOf(items, undefined)).toEqual(items);
  });
});

describe('eval merge', () => {
  it('combines the shards of one evaluation in a fixed order, and says which shards are missing', () => {
    const a = folder('s0', ['x', 'z'], 0, 3);
    const b = folder('s1', ['y'], 1, 3);
    const partial = mergeResults([b, a], join(tmp, 'partial'));
    expect(partial).toEqual({ records: 9, count: 3, missing: [2] });
    expect(readRecords(join(tmp, 'partial')).map((r) => `${r.site}${r.config[0]}${r.sample}`)).toEqual(['xg0', 'xs0', 'xs1', 'yg0', 'ys0', 'ys1', 'zg0', 'zs0', 'zs1']);
    const c = folder('s2', ['w'], 2, 3);
    expect(mergeResults([a, b, c], join(tmp, 'whole'))).toEqual({ records: 12, count: 3, missing: [] });
    expect(JSON.parse(readFileSync(join(tmp, 'whole', 'run.json'), 'utf8')).shards).toBeUndefined();
  });

  it('refuses other datasets, configurations, models, compilers, overlapping or differently cut shards', () => {
    const a = folder('r0', ['x'], 0, 2);
    const cases: [string, string][] = [
      [folder('r-data', ['y'], 1, 2, { dataset: { sha256: 'c'.repeat(64), sites: 4 } }), 'differ in dataset'],
      [folder('r-configs', ['y'], 1, 2, { configs: ['greedy'] }), 'differ in configurations'],
      [folder('r-samples', ['y'], 1, 2, { samples: 4 }), 'differ in samples'],
      [folder('r-model', ['y'], 1, 2, { model: { name: 'other', sha256: 'd'.repeat(64) } }), 'differ in model'],
      [folder('r-checker', ['y'], 1, 2, { checkers: { repo: 'TypeScript 5.9.3' } }), 'different compilers'],
      [folder('r-same', ['y'], 0, 2), 'both hold shard 0'],
      [folder('r-cut', ['y'], 1, 3), 'cut the dataset differently'],
      [folder('r-whole', ['y'], undefined, 1), 'holds the whole dataset'],
      [folder('r-dup', ['x'], 1, 2), 'is in both'],
    ];
    for (const [other, message] of cases) expect(() => mergeResults([a, other], join(tmp, `out-${other.split('/').pop()}`)), message).toThrow(message);
    const bare = join(tmp, 'bare');
    mkdirSync(bare);
    expect(() => mergeResults([a, bare], join(tmp, 'out-bare'))).toThrow(/has no run.json/);
    expect(() => mergeResults([a, folder('r1', ['y'], 1, 2)], a)).toThrow(/is one of the folders/);
    expect(() => mergeResults([a, folder('r1b', ['y'], 1, 2)], join(tmp, 'whole'))).toThrow(/already holds results/);
  });
});

describe('eval report --compare', () => {
  it('puts two runs of one dataset side by side over the sites both finished, and refuses other datasets', () => {
    const a = folder('cmp-a', ['x', 'y'], undefined, 1);
    const b = folder('cmp-b', ['x', 'y', 'z'], undefined, 1, { model: { name: 'other-model', sha256: 'e'.repeat(64) } });
    // In b, x's greedy generation misses the next identifier.
    const lines = readFileSync(join(b, 'results.jsonl'), 'utf8').split('\n');
    lines[0] = JSON.stringify({ ...JSON.parse(lines[0]!), nim: 0 });
    writeFileSync(join(b, 'results.jsonl'), lines.join('\n'));
    const markdown = writeComparison(a, b);
    expect(markdown).toContain('# cmp-a (code-lm-19m) vs cmp-b (other-model)');
    expect(markdown).toMatch(/\| greedy \| 2 \| 100\.0 \| 100\.0 \| \+0\.0 \| 100\.0 \| 50\.0 \| -50\.0 \|/);
    expect(readFileSync(join(a, 'compare.md'), 'utf8')).toBe(markdown);
    const other = folder('cmp-c', ['x'], undefined, 1, { dataset: { sha256: 'f'.repeat(64), sites: 4 } });
    expect(() => writeComparison(a, other)).toThrow(/ran different datasets .*: not comparable/);
  });
});
