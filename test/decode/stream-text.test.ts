import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decode/sampling.js';
import { Sequence, type StopCriteria } from '../../src/decode/sequence.js';
import { STOP_MODES } from '../../src/decode/stop-modes.js';
import { TextStream } from '../../src/decode/stream-text.js';
import type { VocabEntry } from '../../src/model/tokenizer.js';

// A vocabulary of code pieces, one token each.
const PIECES = ['a', 'b', 'x', '(', ')', '{', '}', '[', ']', ';', ',', '.', ' ', '  ', '\n', '\n  ', '\n    ', ':', '=', 'if ', 'return ', 'é', '"', '#', '//', '\t'];
const vocab: VocabEntry[] = PIECES.map((text, id) => ({ id, bytes: new TextEncoder().encode(text), text, special: false }));

/** Streams a random token sequence under `criteria`: what was shown, and the final text. */
function stream(criteria: StopCriteria, random: () => number, healed = '') {
  const s = new TextStream(criteria);
  let seq = Sequence.empty;
  for (const ch of healed) seq = seq.append(PIECES.indexOf(ch), vocab);
  let shown = '';
  for (let i = 0; i < 60; i++) {
    const id = Math.floor(random() * PIECES.length);
    seq = seq.append(id, vocab);
    const end = seq.checkEnd(id, vocab, criteria);
    if (end) return { shown: shown + s.finish(end.text), final: end.text, beforeEnd: shown };
    shown += s.next(seq);
  }
  const final = seq.resultText(criteria);
  return { shown: shown + s.finish(final), final, beforeEnd: shown };
}

describe('TextStream (what streaming may show before the end)', () => {
  it('never shows text that the stop rules later cut off: 6,000 random generations', () => {
    const random = seededRandom(7);
    let shownEarly = 0;
    for (const language of ['typescript', 'python'] as const) {
      for (const stopMode of [undefined, ...STOP_MODES]) {
        for (const stop of [undefined, [';'], ['\n\n', 'return'], ['}']]) {
          for (let i = 0; i < 125; i++) {
            const lineBefore = i % 2 ? '  ' : '  x = ';
            const criteria: StopCriteria = { eosIds: [], stop, stopMode, stopContext: { language, lineBefore, excludeClosing: i % 3 === 0 } };
            const r = stream(criteria, random);
            expect(r.final.startsWith(r.beforeEnd)).toBe(true);
            expect(r.shown).toBe(r.final);
            shownEarly += r.beforeEnd.length;
          }
        }
      }
    }
    expect(shownEarly).toBeGreaterThan(10_000); // it does stream, not just hold everything to the end
  });

  it('does not show the forced prefix of token healing', () => {
    const criteria: StopCriteria = { eosIds: [], forcedPrefix: 'ab' };
    const r = stream(criteria, seededRandom(3), 'ab');
    expect(r.shown).toBe(r.final);
    const s = new TextStream(criteria);
    let seq = Sequence.empty.append(0, vocab);
    expect(s.next(seq)).toBe('');
    seq = seq.append(1, vocab).append(2, vocab);
    expect(s.next(seq)).toBe('x');
  });

  it('refuses a final text that contradicts what was shown', () => {
    const s = new TextStream({ eosIds: [] });
    s.next(Sequence.empty.append(0, vocab).append(1, vocab));
    expect(() => s.finish('b')).toThrow(/not a prefix/);
  });
});
