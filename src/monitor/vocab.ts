import { breakBytes, VocabTrie, type TrieToken } from './vocab-trie.js';

/** A tokenizer as the monitors need it. */
export interface MonitorTokenizer {
  readonly vocab: readonly (TrieToken & { readonly text: string | undefined })[];
  encode(text: string): number[];
}

/** Per-tokenizer data of the monitors: the trie, the break bytes and each token's text. Built once. */
export interface MonitorVocab {
  readonly trie: VocabTrie;
  readonly isBreak: Uint8Array;
  /** Decoded text of each token; undefined for special tokens and partial UTF-8. */
  readonly texts: readonly (string | undefined)[];
  /** Special tokens (end of sequence, FIM markers): they end a generation, so a complete identifier may meet them. */
  readonly specialIds: Int32Array;
}

const cache = new WeakMap<object, MonitorVocab>();

/** The monitor vocabulary of `tokenizer`, cached per tokenizer object. */
export function monitorVocab(tokenizer: MonitorTokenizer): MonitorVocab {
  let v = cache.get(tokenizer);
  if (!v) {
    const { vocab } = tokenizer;
    const trie = new VocabTrie(vocab, vocab.length);
    const isBreak = breakBytes((text) => {
      const first = tokenizer.encode(text)[0];
      return first === undefined ? undefined : vocab[first]?.text;
    });
    v = {
      trie,
      isBreak,
      texts: vocab.map((e) => (e.special ? undefined : e.text)),
      specialIds: Int32Array.from(vocab.filter((e) => e.special).map((e) => e.id)),
    };
    cache.set(tokenizer, v);
  }
  return v;
}
