import { classify, Kind } from '../lang/lexical.js';
import type { Language } from '../lang/language.js';
import type { Sequence, StopCriteria } from './sequence.js';

/**
 * The text of a generation as it may be shown while it is still running: only what is sure to stay in the
 * final result. A stop string is cut off where it starts, so the last `longest stop − 1` characters wait until
 * they cannot begin one; the stop modes decide at trailing whitespace and comments (a line end is the end of a
 * statement only if the next code line does not continue it), so those wait too, and past the first line the
 * text streams line by line. The forced prefix of token healing
 * belongs to the prompt and is never shown.
 */
export class TextStream {
  private sent = '';
  private readonly hold: number;
  private readonly holdWhitespace: boolean;
  private readonly language: Language | undefined;
  private readonly skip: number;

  constructor(criteria: StopCriteria) {
    this.hold = Math.max(0, ...(criteria.stop ?? []).map((s) => s.length - 1));
    this.holdWhitespace = criteria.stopMode !== undefined || criteria.stopWhen !== undefined;
    this.skip = criteria.forcedPrefix?.length ?? 0;
    this.language = criteria.stopContext?.language;
  }

  /** What became safe to show after the latest token ('' if nothing). */
  next(seq: Sequence): string {
    if (seq.text.length <= this.skip) return '';
    const text = seq.text.slice(this.skip);
    let safe = text.length - this.hold;
    if (this.holdWhitespace) {
      // Past the first line, whether the previous line break ended the completion may depend on how the
      // current line starts (`.then`, `else`, `==` versus `=`, a dedent): it waits until the line is complete.
      const lineBreak = text.lastIndexOf('\n');
      safe = Math.min(safe, this.lastCode(lineBreak < 0 ? text : text.slice(0, lineBreak)));
    }
    if (safe <= this.sent.length) return '';
    const delta = text.slice(this.sent.length, safe);
    this.sent += delta;
    return delta;
  }

  /** Length of `text` up to its last character that is neither whitespace nor inside a comment. */
  private lastCode(text: string): number {
    const kinds = classify(this.language, text);
    for (let i = text.length - 1; i >= 0; i--) if (kinds[i] !== Kind.Comment && !/\s/.test(text[i]!)) return i + 1;
    return 0;
  }

  /**
   * The rest of the final text. Throws if the final text does not start with what was shown (which the rules
   * above rule out; a caller reports it rather than send text that contradicts the stream).
   */
  finish(finalText: string): string {
    if (!finalText.startsWith(this.sent)) throw new Error(`streamed text ${JSON.stringify(this.sent)} is not a prefix of the result ${JSON.stringify(finalText)}`);
    const rest = finalText.slice(this.sent.length);
    this.sent = finalText;
    return rest;
  }

  /** Everything shown so far. */
  get text(): string {
    return this.sent;
  }
}
