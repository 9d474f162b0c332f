import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { seededRandom } from '../src/decode/sampling.js';
import { completeInDocument, type DocumentCompletionResult } from '../src/engine/document-completion.js';
import type { Engine } from '../src/engine/engine.js';
import { packageRoot } from '../src/engine/package-root.js';
import { loadDataset } from '../src/eval/dataset.js';
import { firstIdentifier, siteDocument } from '../src/eval/sites.js';
import { ServerPool } from '../src/lsp/pool.js';
import { monitorVocab } from '../src/monitor/vocab.js';
import { applyAllowList, utf8All, VocabTrie, type TrieToken } from '../src/monitor/vocab-trie.js';
import { fmt, median, percentile, type BenchRow } from './stats.js';

const require = createRequire(import.meta.url);

/** Identifiers from the `.d.ts` files of installed packages (TypeScript's libs, @types/node). */
function declarationIdentifiers(): string[] {
  const roots = [join(dirname(require.resolve('typescript5/package.json')), 'lib'), dirname(require.resolve('@types/node/package.json'))];
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.d.ts')) files.push(p);
    }
  };
  roots.forEach(walk);
  const ids = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/[A-Za-z_$][\w$]{2,}/g)) ids.add(m[0]);
  return [...ids].sort();
}

/**
 * A 150k-entry vocabulary of real identifier fragments, shaped like a large code tokenizer's: camel-case
 * pieces and prefixes, with and without a leading space or dot, plus punctuation runs.
 */
function largeVocabulary(ids: readonly string[], size: number): TrieToken[] {
  const enc = new TextEncoder();
  const pieces = new Set<string>();
  const punct = ['(', ')', '.', ',', ';', ' ', '\n', '()', '();', '(', '[', ']', '{', '}', ' =', ' =>', ': ', '?.', '!'];
  for (const p of punct) pieces.add(p);
  const add = (s: string) => pieces.size < size && pieces.add(s);
  for (const id of ids) {
    const parts = id.split(/(?<=[a-z0-9])(?=[A-Z])/);
    for (const p of parts) {
      add(p);
      add(` ${p}`);
      add(`.${p}`);
    }
    for (let i = 2; i <= Math.min(id.length, 12); i++) add(id.slice(0, i));
    add(`.${id}`);
    add(`${id}(`);
    add(`.${id}(`);
    if (pieces.size >= size) break;
  }
  return [...pieces].map((text, id) => ({ id, bytes: enc.encode(text), special: false }));
}

/** The constrained steps of writing `target` after a dot: at each, the suffixes still legal. */
function steps(members: readonly string[], target: string): string[][] {
  const out: string[][] = [];
  for (let typed = 0; typed < target.length; typed += 3) {
    const prefix = target.slice(0, typed);
    out.push(members.filter((m) => m.startsWith(prefix)).map((m) => m.slice(prefix.length)));
  }
  return out;
}

function maskWorkload(ids: readonly string[], count: number): string[][] {
  const random = seededRandom(5);
  const work: string[][] = [];
  while (work.length < count) {
    const members = Array.from({ length: 40 }, () => ids[Math.floor(random() * ids.length)]!);
    work.push(...steps(members, members[0]!));
  }
  return work.slice(0, count);
}

/** The mask the slow way: test every vocabulary entry against every suffix. */
function naiveMask(texts: readonly (string | undefined)[], suffixes: readonly string[], isBreak: Uint8Array, logits: Float32Array): void {
  for (let id = 0; id < texts.length; id++) {
    const t = texts[id];
    const ok =
      t !== undefined &&
      t !== '' &&
      suffixes.some((s) => s.startsWith(t) || (t.length > s.length && t.startsWith(s) && isBreak[t.charCodeAt(s.length)] === 1));
    if (!ok) logits[id] = -Infinity;
  }
}

function timeMasks(trie: VocabTrie, texts: readonly (string | undefined)[], isBreak: Uint8Array, work: readonly string[][]) {
  const logits = new Float32Array(trie.vocabSize);
  const fast: number[] = [];
  const apply: number[] = [];
  const slow: number[] = [];
  for (const suffixes of work) {
    logits.fill(0);
    let t = performance.now();
    const allowed = trie.allowed(utf8All(suffixes), isBreak);
    fast.push((performance.now() - t) * 1000);
    t = performance.now();
    applyAllowList(logits, allowed);
    apply.push((performance.now() - t) * 1000);
    logits.fill(0);
    t = performance.now();
    naiveMask(texts, suffixes, isBreak, logits);
    slow.push((performance.now() - t) * 1000);
  }
  return { fast, apply, slow };
}

export async function benchMasks(engine: Engine): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const ids = declarationIdentifiers();
  const small = monitorVocab(engine.tokenizer);
  const bigTokens = largeVocabulary(ids, 150_000);
  const t0 = performance.now();
  const bigTrie = new VocabTrie(bigTokens);
  const buildMs = performance.now() - t0;
  const dec = new TextDecoder();
  const bigTexts = bigTokens.map((t) => dec.decode(t.bytes));
  const work = maskWorkload(ids, 2000);
  for (const [name, trie, texts] of [
    [`code-lm-19m tokenizer (${small.trie.vocabSize.toLocaleString('en-US')} tokens)`, small.trie, small.texts],
    [`identifier-fragment vocabulary (${bigTokens.length.toLocaleString('en-US')} entries)`, bigTrie, bigTexts],
  ] as const) {
    timeMasks(trie, texts, small.isBreak, work.slice(0, 100)); // warm-up
    const { fast, apply, slow } = timeMasks(trie, texts, small.isBreak, work);
    const both = fast.map((x, i) => x + apply[i]!);
    rows.push({
      metric: `allow-list per constrained step (trie walk), ${name}: median / p99`,
      value: `${fmt(median(fast), 1)} / ${fmt(percentile(fast, 99), 1)} µs`,
      baseline: `naive scan ${fmt(median(slow), 0)} / ${fmt(percentile(slow, 99), 0)} µs`,
      ratio: `${fmt(median(slow) / median(fast), 0)}× faster`,
    });
    rows.push({
      metric: `… plus writing the mask into the dense logits row: median / p99`,
      value: `${fmt(median(both), 1)} / ${fmt(percentile(both, 99), 1)} µs`,
      baseline: `naive scan ${fmt(median(slow), 0)} µs`,
      ratio: `${fmt(median(slow) / median(both), 0)}× faster`,
    });
  }
  rows.push({ metric: `trie build, ${bigTokens.length.toLocaleString('en-US')} entries (once per tokenizer)`, value: `${fmt(buildMs, 0)} ms` });
  return rows;
}

export async function benchMgd(engine: Engine): Promise<BenchRow[]> {
  const fixtures = join(packageRoot(), 'fixtures');
  const sites = loadDataset(join(fixtures, 'sites.jsonl')).filter((s) => s.kind === 'deref');
  const pool = new ServerPool({ idleMs: 0 });
  try {
    const run = async (monitor: boolean) => {
      const out: { ms: number; result: DocumentCompletionResult; target: string }[] = [];
      for (const site of sites) {
        const doc = siteDocument(site);
        const t = performance.now();
        const result = await completeInDocument(engine, pool, { ...doc, maxTokens: 24, stopMode: 'statement', monitor, monitors: ['deref'] });
        out.push({ ms: performance.now() - t, result, target: site.expected });
      }
      return out;
    };
    await run(true); // warm: servers started, every file open, model caches hot
    const free = await run(false);
    const mgd = await run(true);
    const total = (xs: typeof free) => xs.reduce((sum, x) => sum + x.ms, 0);
    const nim = (xs: typeof free) => xs.filter((x) => firstIdentifier(x.result.completion) === x.target).length;
    const rows: BenchRow[] = [];
    for (const language of ['all', 'typescript', 'python'] as const) {
      const pick = (xs: typeof free) => xs.filter((_, i) => language === 'all' || sites[i]!.language === language);
      const [m, f] = [pick(mgd), pick(free)];
      const triggers = m.flatMap((x) => x.result.monitor.triggers);
      const latencies = triggers.map((t) => t.latencyMs);
      const label = language === 'all' ? `${m.length} fixture sites` : `${m.length} ${language} sites`;
      rows.push({
        metric: `wall time per completion, ${label} (24 tokens max, statement mode), mean`,
        value: `MGD ${fmt(total(m) / m.length, 0)} ms`,
        baseline: `free ${fmt(total(f) / f.length, 0)} ms`,
        ratio: `${fmt(total(m) / total(f), 2)}× (goal ≤ 1.15)`,
      });
      rows.push({
        metric: `language-server time per trigger, ${label} (${triggers.length} triggers, ${triggers.filter((t) => t.degraded).length} degraded): median / p90`,
        value: `${fmt(median(latencies), 1)} / ${fmt(percentile(latencies, 90), 1)} ms`,
      });
      rows.push({
        metric: `next-identifier match with the ground truth, ${label}`,
        value: `MGD ${nim(m)} (${fmt((100 * nim(m)) / m.length, 0)} %)`,
        baseline: `free ${nim(f)} (${fmt((100 * nim(f)) / f.length, 0)} %)`,
        ratio: `${fmt(nim(m) / Math.max(1, nim(f)), 2)}×`,
      });
    }
    return rows;
  } finally {
    await pool.dispose();
  }
}
