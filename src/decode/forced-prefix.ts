import type { VocabEntry } from '../model/tokenizer.js';
import type { LogitsProcessor, SequenceView } from './logits-processor.js';

/**
 * Makes the generation start with `prefix` (token healing): until it is written, only tokens that keep the text
 * consistent with it are allowed — a token inside it, or one that completes it and runs on (`   ` → ` this`).
 * Active for the first token or two only, so a scan of the vocabulary per active step is cheap.
 */
export class ForcedPrefixProcessor implements LogitsProcessor {
  constructor(
    readonly prefix: string,
    private readonly vocab: readonly VocabEntry[],
  ) {}

  process(sequence: SequenceView, logits: Float32Array): void {
    const done = sequence.generatedText;
    if (done.length >= this.prefix.length) return;
    const rest = this.prefix.slice(done.length);
    for (let id = 0; id < logits.length; id++) {
      const entry = this.vocab[id];
      const text = entry && !entry.special ? entry.text : undefined;
      const ok = !!text && (rest.startsWith(text) || text.startsWith(rest));
      if (!ok) logits[id] = -Infinity;
    }
  }
}
