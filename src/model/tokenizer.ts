import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ModelError } from './errors.js';
import { utf8Exact } from './utf8.js';

/** One vocabulary entry as the text it produces. */
export interface VocabEntry {
  readonly id: number;
  /** The bytes the token decodes to (for a special token: its content). */
  readonly bytes: Uint8Array;
  /**
   * The decoded string when `bytes` are complete UTF-8; undefined for a token that holds part of a
   * multi-byte character (so it can never be mistaken for text it does not spell).
   */
  readonly text: string | undefined;
  /** Special/control tokens (`<|endoftext|>`, FIM markers) never spell code. */
  readonly special: boolean;
}

type Json = Record<string, any>;

/** GPT-2's byte ↔ printable-character table used by byte-level BPE. */
function byteLevelDecoder(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = [...bytes];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + extra++);
    }
  }
  return new Map(bytes.map((b, i) => [String.fromCodePoint(chars[i]!), b]));
}

function usesByteLevel(json: Json): boolean {
  const has = (node: Json | null | undefined): boolean =>
    !!node &&
    (node['type'] === 'ByteLevel' || (Array.isArray(node['decoders']) && node['decoders'].some(has)) ||
      (Array.isArray(node['pretokenizers']) && node['pretokenizers'].some(has)));
  return has(json['decoder']) || has(json['pre_tokenizer']);
}

const encoder = new TextEncoder();

/** Bytes of a vocabulary string, for byte-level BPE or SentencePiece-style (`▁`, `<0xNN>`) vocabularies. */
function tokenBytes(token: string, byteLevel: Map<string, number> | undefined): Uint8Array {
  if (byteLevel) {
    const out = new Uint8Array(token.length);
    let n = 0;
    for (const ch of token) {
      const b = byteLevel.get(ch);
      if (b === undefined) return encoder.encode(token); // not a byte-level symbol: take it literally
      out[n++] = b;
    }
    return out.subarray(0, n);
  }
  const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
  if (byte) return Uint8Array.of(parseInt(byte[1]!, 16));
  return encoder.encode(token.replaceAll('\u2581', ' '));
}

/** A model's tokenizer (`tokenizer.json`), with the decoded-string table the constraint masks are built on. */
export class Tokenizer {
  /** Entry `id` of the vocabulary; built once. */
  readonly vocab: readonly VocabEntry[];
  readonly specialIds: ReadonlySet<number>;
  private readonly byContent: Map<string, number>;

  private constructor(
    private readonly hf: HfTokenizer,
    json: Json,
    readonly config: Json,
  ) {
    const vocabMap = hf.get_vocab(true);
    const size = Math.max(...vocabMap.values()) + 1;
    const byteLevel = usesByteLevel(json) ? byteLevelDecoder() : undefined;
    const special = new Set<number>();
    for (const t of (json['added_tokens'] ?? []) as Json[]) if (t['special']) special.add(t['id'] as number);
    const entries: VocabEntry[] = new Array(size);
    for (const [token, id] of vocabMap) {
      const isSpecial = special.has(id);
      const bytes = isSpecial ? encoder.encode(token) : tokenBytes(token, byteLevel);
      entries[id] = { id, bytes, text: utf8Exact(bytes), special: isSpecial };
    }
    for (let id = 0; id < size; id++) {
      entries[id] ??= { id, bytes: new Uint8Array(0), text: '', special: true }; // hole in the id space
    }
    this.vocab = entries;
    this.specialIds = special;
    this.byContent = vocabMap;
  }

  /** Loads `tokenizer.json` (and `tokenizer_config.json` when present) from a model directory. */
  static load(dir: string): Tokenizer {
    const path = join(dir, 'tokenizer.json');
    let json: Json;
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as Json;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing-file' : 'bad-tokenizer';
      throw new ModelError(code, `cannot read tokenizer ${path}: ${(e as Error).message}`);
    }
    let config: Json = {};
    try {
      config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Json;
    } catch {
      // optional companion file
    }
    try {
      return new Tokenizer(new HfTokenizer(json, config), json, config);
    } catch (e) {
      throw new ModelError('bad-tokenizer', `unusable tokenizer ${path}: ${(e as Error).message}`);
    }
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Token ids of `text`. Special-token strings in the text become their special ids. */
  encode(text: string): number[] {
    return this.hf.encode(text, { add_special_tokens: false }).ids;
  }

  /** Text of `ids`; special tokens are dropped unless `keepSpecial`. */
  decode(ids: readonly number[], keepSpecial = false): string {
    return this.hf.decode([...ids], { skip_special_tokens: !keepSpecial, clean_up_tokenization_spaces: false });
  }

  /** Id of a token spelled exactly `content` (e.g. `<|fim_prefix|>`), if the vocabulary has it. */
  tokenId(content: string): number | undefined {
    return this.byContent.get(content);
  }

  /** End-of-sequence ids the tokenizer declares (`eos_token` in tokenizer_config.json). */
  get eosTokenIds(): number[] {
    const eos = this.config['eos_token'];
    const content = typeof eos === 'string' ? eos : typeof eos?.content === 'string' ? eos.content : undefined;
    const id = content === undefined ? undefined : this.tokenId(content);
    return id === undefined ? [] : [id];
  }
}
