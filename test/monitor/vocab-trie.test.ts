import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decode/sampling.js';
import { applyAllowList, breakBytes, utf8All, VocabTrie, type TrieToken } from '../../src/monitor/vocab-trie.js';

const enc = new TextEncoder();
function vocabOf(words: string[], special: number[] = []): TrieToken[] {
  return words.map((w, id) => ({ id, bytes: enc.encode(w), special: special.includes(id) }));
}
const BREAK = (() => {
  const b = new Uint8Array(256);
  for (const c of '()[]{};,. \n=+-*/<>!?:') b[c.charCodeAt(0)] = 1;
  return b;
})();

/** The MGD rule, by brute force over the whole vocabulary. */
function naive(words: string[], suffixes: string[], isBreak = BREAK, special: number[] = []): number[] {
  const out: number[] = [];
  words.forEach((t, id) => {
    if (special.includes(id) || t === '') return;
    const ok = suffixes.some((s) => s.startsWith(t) || (t.length > s.length && t.startsWith(s) && isBreak[t.charCodeAt(s.length)] === 1));
    if (ok) out.push(id);
  });
  return out;
}
const names = (words: string[], ids: Int32Array) => [...ids].map((i) => words[i]).sort();

describe('VocabTrie (pure)', () => {
  const words = ['<eos>', 'g', 'ge', 'get', 'getName', 'getName(', 'Name', 'N', '(', '.', '.get', 'set', 'et', 'x', 'getA', 'getAge();', 'getx', 'get ', 'ag'];
  const trie = new VocabTrie(vocabOf(words, [0]));

  it('allows prefixes of the remaining suffixes and whole suffixes running on into a break', () => {
    expect(names(words, trie.allowed(utf8All(['getName', 'getAge']), BREAK))).toEqual(
      ['g', 'ge', 'get', 'getA', 'getAge();', 'getName', 'getName('].sort(),
    );
  });

  it('a complete identifier (empty suffix) allows tokens that start with a break character', () => {
    expect(names(words, trie.allowed(utf8All(['', 'Name']), BREAK))).toEqual(['(', '.', '.get', 'N', 'Name'].sort());
  });

  it('never allows a token that glues identifier characters onto a complete identifier, nor special tokens', () => {
    const allowed = names(words, trie.allowed(utf8All(['get']), BREAK));
    expect(allowed).toContain('get ');
    expect(allowed).not.toContain('getx');
    expect(allowed).not.toContain('getName');
    expect(allowed).not.toContain('<eos>');
  });

  it('nothing legal gives an empty allow-list, not a crash', () => {
    expect(trie.allowed([], BREAK)).toHaveLength(0);
    expect(trie.allowed(utf8All(['zzz']), BREAK)).toHaveLength(0);
  });

  it('follows a multi-token identifier as the suffixes shrink', () => {
    // get | Name: after 'get' the remaining suffixes are 'Name' and 'Age'.
    expect(names(words, trie.allowed(utf8All(['getName', 'getAge']), BREAK))).toContain('get');
    expect(names(words, trie.allowed(utf8All(['Name', 'Age']), BREAK))).toEqual(['N', 'Name']);
    // After 'Name' the identifier is complete: only break characters may follow.
    expect(names(words, trie.allowed(utf8All(['']), BREAK))).toEqual(['(', '.', '.get']);
  });

  it('handles multi-byte characters as bytes: a token holding half a character is a prefix of it', () => {
    const bytes = enc.encode('é'); // 2 bytes
    const half: TrieToken = { id: 1, bytes: bytes.subarray(0, 1), special: false };
    const whole: TrieToken = { id: 2, bytes: enc.encode('éa'), special: false };
    const t = new VocabTrie([{ id: 0, bytes: enc.encode('x'), special: false }, half, whole]);
    expect([...t.allowed(utf8All(['éab']), BREAK)].sort()).toEqual([1, 2]);
  });

  it('matches a brute-force scan on random vocabularies', () => {
    const random = seededRandom(11);
    const alphabet = 'abcN(. ';
    const word = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let round = 0; round < 50; round++) {
      const vocab = ['<s>', ...new Set(Array.from({ length: 300 }, () => word(1 + Math.floor(random() * 5))))];
      const t = new VocabTrie(vocabOf(vocab, [0]));
      const suffixes = Array.from({ length: 1 + Math.floor(random() * 4) }, () => word(Math.floor(random() * 6)).replace(/[(. ]/g, 'a'));
      expect([...t.allowed(utf8All(suffixes), BREAK)].sort((a, b) => a - b)).toEqual(naive(vocab, suffixes, BREAK, [0]));
    }
  });

  it('lists tokens by leading text, and applies allow-lists to logits', () => {
    expect(names(words, trie.tokensStartingWith(enc.encode('.')))).toEqual(['.', '.get']);
    const logits = Float32Array.from(words, (_, i) => i);
    applyAllowList(logits, Int32Array.of(3, 5));
    expect([...logits].map((x, i) => (x > -Infinity ? i : -1)).filter((i) => i >= 0)).toEqual([3, 5]);
    expect(logits[5]).toBe(5);
  });

  it('derives break bytes from the tokenizer, never identifier characters', () => {
    // A toy tokenizer that glues '-' onto words but splits before '(' and digits.
    const first = (text: string) => (/^abc[-]/.test(text) ? 'abc-' : 'abc');
    const b = breakBytes(first);
    expect(b['('.charCodeAt(0)]).toBe(1);
    expect(b['-'.charCodeAt(0)]).toBe(0);
    expect(b['1'.charCodeAt(0)]).toBe(0); // splits in the tokenizer, but continues an identifier
    expect(b['_'.charCodeAt(0)]).toBe(0);
    expect(b['$'.charCodeAt(0)]).toBe(0);
  });
});
