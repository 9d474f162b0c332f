import type { VocabEntry } from '../model/tokenizer.js';
import { Utf8Text } from '../model/utf8.js';
import { stopModeIndex, stopStringIndex, type StopContext, type StopMode } from './stop-modes.js';

/** Why a generation ended. */
export type FinishReason =
  /** end-of-sequence (or another special token) */
  | 'eos'
  /** a stop string or the stop mode's end was written */
  | 'stop'
  /** `maxTokens` generated */
  | 'length'
  /** the model's context window is full */
  | 'context'
  /** every token was masked: no legal continuation */
  | 'masked'
  | 'cancelled';

/** When a sequence is complete, apart from `maxTokens` and the context window. */
export interface StopCriteria {
  readonly eosIds: readonly number[];
  readonly stop?: readonly string[] | undefined;
  readonly stopMode?: StopMode | undefined;
  readonly stopContext?: StopContext | undefined;
  /**
   * Text the generation must start with because it belongs to the prompt (token healing backed up the prompt's
   * last token). It is not part of the result, and stops are looked for only after it.
   */
  readonly forcedPrefix?: string | undefined;
  /** Any other end: the number of characters of the text to keep once it has ended, else undefined. */
  readonly stopWhen?: ((text: string) => number | undefined) | undefined;
}

/** A generated token sequence with its text; immutable, so beams and tree nodes can share prefixes. */
export class Sequence {
  static readonly empty = new Sequence([], Utf8Text.empty);

  private constructor(
    readonly ids: readonly number[],
    private readonly utf8: Utf8Text,
  ) {}

  /** Text of the complete characters generated so far. */
  get text(): string {
    return this.utf8.text;
  }

  /** Whole text, an unfinished trailing character included. */
  get finalText(): string {
    return this.utf8.final();
  }

  /** The result's text: the whole text without the forced prefix. */
  resultText(criteria: StopCriteria): string {
    return this.finalText.slice(criteria.forcedPrefix?.length ?? 0);
  }

  append(id: number, vocab: readonly VocabEntry[]): Sequence {
    const entry = vocab[id];
    const bytes = entry && !entry.special ? entry.bytes : new Uint8Array(0);
    return new Sequence([...this.ids, id], this.utf8.append(bytes));
  }

  /**
   * Whether appending `id` (already appended to this sequence) ended it: the reason and the text to keep, or
   * undefined to go on.
   */
  checkEnd(id: number, vocab: readonly VocabEntry[], criteria: StopCriteria): { reason: FinishReason; text: string } | undefined {
    if (criteria.eosIds.includes(id) || vocab[id]?.special) return { reason: 'eos', text: this.resultText(criteria) };
    const skip = criteria.forcedPrefix?.length ?? 0;
    if (this.text.length < skip) return undefined;
    const text = this.text.slice(skip);
    let cut = criteria.stop?.length ? stopStringIndex(criteria.stop, text) : undefined;
    const earliest = (c: number | undefined) => {
      if (c !== undefined && (cut === undefined || c < cut)) cut = c;
    };
    if (criteria.stopMode) earliest(stopModeIndex(criteria.stopMode, criteria.stopContext ?? { language: undefined, lineBefore: '' }, text));
    if (criteria.stopWhen) earliest(criteria.stopWhen(text));
    return cut === undefined ? undefined : { reason: 'stop', text: text.slice(0, cut) };
  }
}
