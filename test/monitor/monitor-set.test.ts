import { describe, expect, it } from 'vitest';
import { generate } from '../../src/decode/generate.js';
import { dereferenceMonitor } from '../../src/monitor/kinds/dereference.js';
import { MonitorSet } from '../../src/monitor/monitor-set.js';
import type { Analysis, MemberOracle, MonitorDocument } from '../../src/monitor/types.js';
import { breakBytes, VocabTrie } from '../../src/monitor/vocab-trie.js';
import type { MonitorVocab } from '../../src/monitor/vocab.js';
import { TableModel, wordVocab } from '../helpers/table-model.js';

// A tiny vocabulary where, as in the real tokenizer, the dot is glued to the member after it.
const WORDS = ['<eos>', '.bad', '.get', '.getName', 'Name', 'Age', '(', ')', ';', '.', 'bad', 'tName', '.ge', 'x', ' '];
const vocab = wordVocab(WORDS, [0]);
const id = (w: string) => WORDS.indexOf(w);
const monitorVocab: MonitorVocab = {
  trie: new VocabTrie(vocab),
  isBreak: breakBytes((t) => t.match(/^abc/)?.[0]),
  texts: vocab.map((e) => (e.special ? undefined : e.text)),
  specialIds: Int32Array.of(0),
};

/** Prefers the illegal `.bad` most, then `.get`, `Name`; `(` after a name; ends after `stopAfter` tokens. */
function preferBad(stopAfter: number) {
  const score: Record<string, number> = { '.bad': 9, '.get': 8, bad: 7.5, '.getName': 6, Name: 7, Age: 5, tName: 5, '(': 4, ';': 3, '.': 2, '.ge': 1 };
  return (tokens: readonly number[]) => {
    if (tokens.length - 1 >= stopAfter) return WORDS.map((w) => (w === '<eos>' ? 10 : 0));
    const last = WORDS[tokens[tokens.length - 1]!];
    if (last === 'Name' || last === 'tName') return WORDS.map((w) => (w === '(' ? 20 : 0));
    return WORDS.map((w) => score[w] ?? -5);
  };
}

function oracleOf(answer: (before: string) => Promise<readonly string[]>) {
  const calls: string[] = [];
  const oracle: MemberOracle = {
    members: (before) => {
      calls.push(before);
      return answer(before);
    },
  };
  return { oracle, calls };
}

/** An analysis that knows only members (the other questions answer nothing). */
export function analysisOf(oracle: MemberOracle): Analysis {
  return { members: oracle.members, completions: async () => [], signatures: async () => [], typeAt: async () => undefined };
}

const doc = (before: string, healed = ''): MonitorDocument => ({ before, after: '\n', language: 'typescript', healed });

async function run(document: MonitorDocument, oracle: MemberOracle, stopAfter = 3, budgetMs = 300) {
  const monitor = new MonitorSet(document, analysisOf(oracle), monitorVocab, [dereferenceMonitor], { budgetMs });
  const out = await generate(new TableModel(WORDS.length, preferBad(stopAfter)), vocab, [id('x')], {
    maxTokens: 10,
    eosIds: [0],
    processors: [monitor],
    forcedPrefix: document.healed || undefined,
  });
  return { out, report: await monitor.report(out.text) };
}

describe('MonitorSet with the dereference monitor (pure, fake analysis)', () => {
  it('vetoes an illegal dot-token, then constrains the identifier to legal members until a break', async () => {
    const { oracle, calls } = oracleOf(async () => ['getName', 'getAge']);
    const { out, report } = await run(doc('const v = obj'), oracle);
    // Unconstrained the model would write `.bad`; the monitor makes it `.get` + `Name` + `(`.
    expect(out.text).toBe('.getName(');
    expect(calls).toEqual(['const v = obj.']); // one analysis per dereference
    expect(report.triggers).toEqual([{ monitor: 'deref', offset: 13, allowed: 2, chosen: 'getName', latencyMs: expect.any(Number), degraded: false, vetoes: 1 }]);
    expect(report.constrainedTokens).toBe(2); // `Name` and `(`
  });

  it('seeds the constraint with an identifier the prompt already started', async () => {
    const { oracle } = oracleOf(async () => ['getName', 'getAge', 'size']);
    const { out, report } = await run(doc('obj.ge'), oracle, 2);
    expect(out.text).toBe('tName(');
    expect(report.triggers[0]).toMatchObject({ offset: 3, allowed: 2, chosen: 'getName', degraded: false });
  });

  it('works with token healing: the backed-up `.ge` is rewritten and stays legal', async () => {
    const { oracle } = oracleOf(async () => ['getName', 'getAge']);
    const { out, report } = await run(doc('obj.ge', '.ge'), oracle, 3);
    expect(out.text).toBe('tName(');
    expect(report.triggers[0]).toMatchObject({ chosen: 'getName', degraded: false });
  });

  it('leaves dots that are not dereferences alone', async () => {
    const { oracle, calls } = oracleOf(async () => ['getName']);
    const { out } = await run(doc('const s = "text'), oracle, 1);
    expect(out.text).toBe('.bad'); // inside a string
    expect(calls).toEqual([]);
  });

  it('degrades instead of blocking: timeout, failure and empty answers leave decoding free', async () => {
    const never = oracleOf(() => new Promise<never>(() => undefined));
    const slow = await run(doc('obj'), never.oracle, 1, 30);
    expect(slow.out.text).toBe('.bad');
    expect(slow.report.triggers).toEqual([expect.objectContaining({ degraded: true, reason: 'timeout', chosen: 'bad' })]);

    const failing = await run(doc('obj'), oracleOf(() => Promise.reject(new Error('server exited'))).oracle, 1);
    expect(failing.out.text).toBe('.bad');
    expect(failing.report.triggers[0]).toMatchObject({ degraded: true, reason: 'error: server exited' });

    const empty = await run(doc('obj'), oracleOf(async () => []).oracle, 1);
    expect(empty.out.text).toBe('.bad');
    expect(empty.report.triggers[0]).toMatchObject({ degraded: true, reason: 'empty' });
  });

  it('nothing legal for the typed prefix leaves the identifier free, without a crash', async () => {
    const { oracle } = oracleOf(async () => ['size']);
    const { out, report } = await run(doc('obj.zz'), oracle, 1);
    expect(out.text.length).toBeGreaterThan(0);
    expect(report.triggers[0]).toMatchObject({ degraded: true, reason: 'no-legal-continuation' });
  });
});
