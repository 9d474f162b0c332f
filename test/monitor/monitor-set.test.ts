import { describe, expect, it } from 'vitest';
import { generate } from '../../src/decode/generate.js';
import { dereferenceMonitor } from '../../src/monitor/kinds/dereference.js';
import { MonitorSet } from '../../src/monitor/monitor-set.js';
import { monitorsOf } from '../../src/monitor/monitors.js';
import type { Analysis, MemberOracle, MonitorDocument, SignatureInfo } from '../../src/monitor/types.js';
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

describe('MonitorSet with word and character monitors together (pure, fake analysis)', () => {
  /** A table model over `words` that, after the text it has written, prefers the listed next words in order. */
  function scripted(words: readonly string[], prefer: (text: string) => readonly string[]) {
    const v = wordVocab(words, [0]);
    const mv: MonitorVocab = {
      trie: new VocabTrie(v),
      isBreak: breakBytes((t) => t.match(/^abc/)?.[0]),
      texts: v.map((e) => (e.special ? undefined : e.text)),
      specialIds: Int32Array.of(0),
    };
    const model = new TableModel(words.length, (tokens) => {
      const text = tokens.slice(1).map((t) => words[t]).join('');
      const order = prefer(text);
      return words.map((w) => {
        const rank = order.indexOf(w);
        return rank === -1 ? -10 : 10 - rank;
      });
    });
    return { vocab: v, monitorVocab: mv, model };
  }

  const analysis = (over: Partial<Analysis>): Analysis => ({ ...analysisOf({ members: async () => [] }), ...over });

  it('an object key is vetoed when illegal (with every token of its shape) and free to be left (`}`)', async () => {
    const words = ['<eos>', 'x', ' methd', ' method', ' met', 'hod', ':', ' 1', ' }', ' retries'];
    const { vocab: v, monitorVocab: mv, model } = scripted(words, (text) =>
      text === '' ? [' methd', ' met', ' method', ' }'] : text.endsWith('hod') || text.endsWith('method') ? [':'] : text.endsWith(':') ? [' 1'] : text.endsWith(' 1') ? [' }'] : ['<eos>'],
    );
    const asked: string[] = [];
    const monitors = new MonitorSet(
      { before: 'go({', after: ')\n', language: 'typescript', healed: '' },
      analysis({
        completions: async (before) => {
          asked.push(before);
          return [
            { name: 'method', kind: 'property' },
            { name: 'retries', kind: 'property' },
          ];
        },
      }),
      mv,
      monitorsOf(['keys']),
    );
    const out = await generate(model, v, [1], { maxTokens: 8, eosIds: [0], processors: [monitors] });
    // ` methd` is vetoed; ` met` is a legal start, and inside the key the mask lets only `hod` finish it.
    expect(out.text).toBe(' method: 1 }');
    expect(asked).toEqual(['go({ ']);
    const report = await monitors.report(out.text);
    expect(report.triggers).toEqual([expect.objectContaining({ monitor: 'keys', offset: 5, allowed: 2, chosen: 'method', vetoes: 1, degraded: false })]);
  });

  it('a call: no `)` before the required arguments, no `,` past the last parameter; one question per call', async () => {
    const words = ['<eos>', 'x', ')', '1', ', ', '"b"', ';'];
    const { vocab: v, monitorVocab: mv, model } = scripted(words, (text) =>
      text === '' ? [')', '1'] : text === '1' ? [', ', ')'] : text === '1, ' ? ['"b"'] : text === '1, "b"' ? [', ', ')'] : text.endsWith(')') ? [';'] : ['<eos>'],
    );
    let questions = 0;
    const sig: SignatureInfo = {
      label: 'two(a: number, b?: string): number',
      parameters: [
        { name: 'a', optional: false, rest: false, type: 'number' },
        { name: 'b', optional: true, rest: false, type: 'string' },
      ],
    };
    const monitors = new MonitorSet(
      { before: 'const n = two(', after: '\n', language: 'typescript', healed: '' },
      analysis({
        signatures: async (before, after) => {
          questions++;
          expect([before, after]).toEqual(['const n = two(', ')\n']);
          return [sig];
        },
      }),
      mv,
      monitorsOf(['call']),
    );
    const out = await generate(model, v, [1], { maxTokens: 8, eosIds: [0], processors: [monitors] });
    expect(out.text).toBe('1, "b");');
    expect(questions).toBe(1);
    const report = await monitors.report(out.text);
    expect(report.triggers).toEqual([expect.objectContaining({ monitor: 'call', offset: 13, allowed: 1, vetoes: 2, degraded: false })]);
    expect(report.queries).toEqual({ call: 1 });
  });

  it('a question past its budget is aborted and the character stays free (degraded: timeout)', async () => {
    const words = ['<eos>', 'x', ')', '1', ';'];
    const { vocab: v, monitorVocab: mv, model } = scripted(words, (text) => (text === '' ? [')'] : text === ')' ? [';'] : ['<eos>']));
    let aborted = false;
    const monitors = new MonitorSet(
      { before: 'two(', after: '\n', language: 'typescript', healed: '' },
      analysis({
        signatures: (_b, _a, signal) =>
          new Promise<never>(() => {
            signal?.addEventListener('abort', () => (aborted = true));
          }),
      }),
      mv,
      monitorsOf(['call']),
      { budgetMs: 30 },
    );
    const out = await generate(model, v, [1], { maxTokens: 4, eosIds: [0], processors: [monitors] });
    expect(out.text).toBe(');');
    expect(aborted).toBe(true);
    expect((await monitors.report(out.text)).triggers).toEqual([expect.objectContaining({ monitor: 'call', degraded: true, reason: 'timeout' })]);
  });
});
