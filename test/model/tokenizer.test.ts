import { describe, expect, it } from 'vitest';
import { sharedTokenizer, trainingFile } from '../helpers/model.js';
import { completeUtf8Length, Utf8Text, utf8Exact } from '../../src/model/utf8.js';

interface Check {
  text: string;
  ids: number[];
}

describe('tokenizer', () => {
  const tok = sharedTokenizer();

  it('encodes every training check to the reference ids and round-trips', () => {
    const checks = trainingFile<Check[]>('tokenizer_checks.json');
    expect(checks.length).toBeGreaterThan(10);
    for (const c of checks) {
      expect(tok.encode(c.text)).toEqual(c.ids);
      expect(tok.decode(c.ids, true)).toBe(c.text);
    }
  });

  it('knows the special tokens of the model card', () => {
    expect(tok.tokenId('<|endoftext|>')).toBe(0);
    expect(tok.tokenId('<|fim_prefix|>')).toBe(1);
    expect(tok.tokenId('<|fim_middle|>')).toBe(2);
    expect(tok.tokenId('<|fim_suffix|>')).toBe(3);
    expect(tok.tokenId('<|file_sep|>')).toBe(6);
    expect(tok.eosTokenIds).toEqual([0]);
    expect([...tok.specialIds].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(tok.vocab[1]!.special).toBe(true);
  });

  it('gives every token its decoded bytes; the text of a token equals decoding it alone', () => {
    expect(tok.size).toBe(16384);
    let checked = 0;
    for (const entry of tok.vocab) {
      if (entry.special || entry.text === undefined) continue;
      expect(entry.text).toBe(tok.decode([entry.id]));
      checked++;
    }
    expect(checked).toBeGreaterThan(16000);
  });

  it('marks tokens holding part of a multi-byte character as having no text (never U+FFFD)', () => {
    const partial = tok.vocab.filter((e) => !e.special && e.text === undefined);
    expect(partial.length).toBeGreaterThan(0);
    for (const e of partial) expect(utf8Exact(e.bytes)).toBeUndefined();
    for (const e of tok.vocab) if (e.text !== undefined && !e.special) expect(e.text.includes('\uFFFD')).toBe(e.bytes.includes(0xef) && e.text.includes('\uFFFD'));
    // A character split across tokens is reassembled from their bytes.
    const ids = tok.encode('// café — ✓ 你好');
    let text = Utf8Text.empty;
    for (const id of ids) text = text.append(tok.vocab[id]!.bytes);
    expect(text.pending.length).toBe(0);
    expect(text.text).toBe('// café — ✓ 你好');
  });

  it('holds back an unfinished character until its last byte arrives', () => {
    const check = new TextEncoder().encode('✓'); // 3 bytes
    expect(completeUtf8Length(check.subarray(0, 2))).toBe(0);
    expect(completeUtf8Length(check)).toBe(3);
    const a = Utf8Text.empty.append(Uint8Array.of(0x61)).append(check.subarray(0, 1));
    expect(a.text).toBe('a');
    const b = a.append(check.subarray(1));
    expect(b.text).toBe('a✓');
    // Forks keep their own pending bytes.
    expect(a.append(Uint8Array.of(0x62)).final()).toBe('a\uFFFDb');
  });
});
