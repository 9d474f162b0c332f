import { describe, expect, it } from 'vitest';
import { beamSearch } from '../../src/decode/beam.js';
import { generate } from '../../src/decode/generate.js';
import type { LogitsProcessor } from '../../src/decode/logits-processor.js';
import { TableModel, wordVocab } from '../helpers/table-model.js';

// Vocabulary: 0 = <eos> (special), then words.
const vocab = wordVocab(['<eos>', 'a', 'b', ';', '\n', 'c'], [0]);
const L = Math.log;

/** After any token: a 0.5, b 0.3, ; 0.1, \n 0.05, c 0.05; eos once 4 tokens are out. */
function chain(tokens: readonly number[]): number[] {
  const generated = tokens.length - 1; // prompt is one token
  if (generated >= 4) return [0, -9, -9, -9, -9, -9];
  return [-Infinity, L(0.5), L(0.3), L(0.1), L(0.05), L(0.05)];
}

describe('generate (pure loop on a table model)', () => {
  it('greedy follows the argmax and stops at end of sequence', async () => {
    const model = new TableModel(6, chain);
    const out = await generate(model, vocab, [5], { maxTokens: 10, eosIds: [0] });
    expect(out.text).toBe('aaaa');
    expect(out.finishReason).toBe('eos');
    expect(out.ids).toEqual([1, 1, 1, 1, 0]);
  });

  it('stops at max tokens and at stop strings', async () => {
    const model = new TableModel(6, chain);
    expect((await generate(model, vocab, [5], { maxTokens: 2, eosIds: [0] })).finishReason).toBe('length');
    const out = await generate(model, vocab, [5], { maxTokens: 10, eosIds: [0], stop: ['aa'] });
    expect(out).toMatchObject({ text: '', finishReason: 'stop' });
  });

  it('runs processors before choosing, awaiting asynchronous ones', async () => {
    const model = new TableModel(6, chain);
    const seen: string[] = [];
    const onlyB: LogitsProcessor = {
      async process(seq, logits) {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(seq.generatedText);
        for (let i = 0; i < logits.length; i++) if (i !== 2) logits[i] = -Infinity;
      },
    };
    const out = await generate(model, vocab, [5], { maxTokens: 3, eosIds: [0], processors: [onlyB] });
    expect(out.text).toBe('bbb');
    expect(seen).toEqual(['', 'b', 'bb']);
  });

  it('reports masked when no token is allowed', async () => {
    const model = new TableModel(6, chain);
    const none: LogitsProcessor = { process: (_s, l) => void l.fill(-Infinity) };
    expect((await generate(model, vocab, [5], { maxTokens: 3, eosIds: [0], processors: [none] })).finishReason).toBe('masked');
  });

  it('top-k after the mask never keeps only masked tokens', async () => {
    const model = new TableModel(6, chain);
    const noA: LogitsProcessor = { process: (_s, l) => void (l[1] = -Infinity) };
    for (let seed = 0; seed < 20; seed++) {
      const out = await generate(model, vocab, [5], { maxTokens: 4, eosIds: [0], processors: [noA], temperature: 1, topK: 1, seed });
      expect(out.text).toBe('bbbb');
    }
  });

  it('stops on cancellation', async () => {
    const model = new TableModel(6, chain);
    const ctrl = new AbortController();
    const cancelAfterOne: LogitsProcessor = { process: (s) => void (s.generatedIds.length === 1 && ctrl.abort()) };
    const out = await generate(model, vocab, [5], { maxTokens: 10, eosIds: [0], processors: [cancelAfterOne], signal: ctrl.signal });
    expect(out).toMatchObject({ text: 'a', finishReason: 'cancelled' });
  });

  it('rejects bad options with a message naming them', async () => {
    const model = new TableModel(6, chain);
    await expect(generate(model, vocab, [5], { maxTokens: 0, eosIds: [0] })).rejects.toThrow(/max tokens/);
    await expect(generate(model, vocab, [5], { maxTokens: 3, eosIds: [0], topP: 1.5 })).rejects.toThrow(/top-p/);
    await expect(generate(model, vocab, [], { maxTokens: 3, eosIds: [0] })).rejects.toThrow(/no tokens/);
  });
});

describe('beam search (table model)', () => {
  // Greedy takes 'a' (0.6) then is stuck with a flat tail; 'b' (0.4) leads to a sure continuation.
  function trap(tokens: readonly number[]): number[] {
    const gen = tokens.slice(1);
    if (gen.length === 0) return [-Infinity, L(0.6), L(0.4), -Infinity, -Infinity, -Infinity];
    if (gen.length === 2) return [0, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity];
    if (gen[0] === 1) return [-Infinity, L(0.25), L(0.25), L(0.25), L(0.25), -Infinity];
    return [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, 0];
  }

  it('finds the likelier whole sequence that greedy misses, batching beams as rows', async () => {
    const greedy = await generate(new TableModel(6, trap), vocab, [5], { maxTokens: 5, eosIds: [0] });
    expect(greedy.text).toBe('aa');
    const model = new TableModel(6, trap);
    const out = await beamSearch(model, vocab, [5], { maxTokens: 5, eosIds: [0], numBeams: 2 });
    expect(out.hypotheses[0]!.text).toBe('bc');
    expect(out.hypotheses[0]!.finishReason).toBe('eos');
    expect(out.hypotheses.length).toBe(2);
    expect(out.hypotheses[0]!.score).toBeGreaterThan(out.hypotheses[1]!.score);
    expect(model.forwardCalls).toBeLessThanOrEqual(4);
  });

  it('applies stop strings to beams', async () => {
    const out = await beamSearch(new TableModel(6, chain), vocab, [5], { maxTokens: 6, eosIds: [0], numBeams: 3, stop: [';'] });
    for (const h of out.hypotheses) expect(h.text.includes(';')).toBe(false);
  });
});

describe('forced prefix (token healing)', () => {
  // Tokens: 1 '  ', 2 ' x', 3 '   ', 4 ' y', 5 ';'
  const v = wordVocab(['<eos>', '  ', ' x', '   ', ' y', ';'], [0]);
  it('makes the generation re-spell the backed-up text, allowing tokens that run past it', async () => {
    // The model prefers ' y', then ends; while '   ' is not written, only '  ' and '   ' are consistent with it.
    const model = new TableModel(6, (t) => (t.length >= 3 ? [5, -9, -9, -9, -9, -9] : [1, 0, 0, 2, 3, 0]));
    const out = await generate(model, v, [5], { maxTokens: 5, eosIds: [0], forcedPrefix: '   ' });
    expect(out.ids).toEqual([3, 4, 0]);
    expect(out.text).toBe(' y');
    const split = await generate(model, v, [5], { maxTokens: 5, eosIds: [0], forcedPrefix: '    ' });
    // Forced '    ': '   ' leaves ' ', which ' y' completes and runs past.
    expect(split.ids.slice(0, 2)).toEqual([3, 4]);
    expect(split.text).toBe('y');
  });

  it('looks for stops only after the forced prefix', async () => {
    const model = new TableModel(6, () => [-9, -9, 5, -9, -9, 1]);
    const out = await generate(model, v, [5], { maxTokens: 3, eosIds: [0], forcedPrefix: ' ', stop: [' '] });
    // ' x' completes the forced ' ' and runs on; the stop ' ' is then looked for in 'x…' only.
    expect(out.text).toBe('x');
    expect(out.finishReason).toBe('stop');
  });
});
