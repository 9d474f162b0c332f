const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** The text of `bytes` when they are complete, valid UTF-8; otherwise undefined (never U+FFFD stand-ins). */
export function utf8Exact(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Length of the longest prefix of `bytes` that does not end inside a multi-byte character: the bytes after it
 * are the start of a character whose remaining bytes have not arrived yet. Invalid bytes are not held back.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  // A character is at most 4 bytes: look back at most 3 bytes for the start of an unfinished one.
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/**
 * Incremental UTF-8 text of a growing byte sequence. Immutable, so a sequence can fork (beam search) and each
 * branch keeps its own pending bytes.
 */
export class Utf8Text {
  static readonly empty = new Utf8Text('', new Uint8Array(0));

  private constructor(
    /** Text of every complete character so far. */
    readonly text: string,
    /** Bytes of a character that is not complete yet. */
    readonly pending: Uint8Array,
  ) {}

  append(bytes: Uint8Array): Utf8Text {
    if (bytes.length === 0) return this;
    const all = new Uint8Array(this.pending.length + bytes.length);
    all.set(this.pending);
    all.set(bytes, this.pending.length);
    const done = completeUtf8Length(all);
    return new Utf8Text(this.text + lenient.decode(all.subarray(0, done)), all.slice(done));
  }

  /** The text with any unfinished character decoded leniently (the end of a generation). */
  final(): string {
    return this.pending.length ? this.text + lenient.decode(this.pending) : this.text;
  }
}
