import type { Language } from '../lang/language.js';
import { classify, Kind } from '../lang/lexical.js';
import type { Analysis, MonitorKind } from './types.js';

/**
 * The text a monitor's trigger looks at: the end of the document as decoded so far, from a line start in
 * plain code, with each character's lexical class. Offsets a trigger returns are offsets in `text`.
 */
export interface Scan {
  readonly text: string;
  /** `classify(language, text)`: code, string or comment per character. */
  readonly kinds: Uint8Array;
  readonly language: Language;
}

/**
 * A place where a word must be one of a set the analysis gives: the member after a dot, a key of an object
 * literal, the contents of a string, a class after `new`, a module name.
 */
export interface WordSlot {
  /** Where the word starts; the question is asked with the document cut there. */
  readonly anchor: number;
  /** What has been written of the word so far (`scan.text.slice(anchor)`). */
  readonly prefix: string;
  /**
   * The slot must be filled (after a dot comes a member, inside a string its contents); an optional one may
   * be left with a character that does not start a word (`}` or `...` where a key could be).
   */
  readonly required: boolean;
  /** Offset the report names for this trigger (the dot of a dereference); the anchor by default. */
  readonly site?: number;
  /** Tells questions apart that share an anchor but not a meaning (the quote of a string). */
  readonly key?: string;
}

/** What a monitor asks about: the document cut at the anchor. */
export interface Question {
  /** The document up to the anchor. */
  readonly before: string;
  /** The text after the cursor (what follows the completion in the file). */
  readonly after: string;
  readonly language: Language;
}

export interface WordQuestion extends Question {
  /** The word written so far (not in `before`). */
  readonly prefix: string;
  readonly slot: WordSlot;
}

/** A monitor that constrains a word to a set: masked while inside it, vetoed when a token enters it. */
export interface WordMonitor {
  readonly kind: MonitorKind;
  readonly shape: 'word';
  readonly languages: readonly Language[];
  /** The slot the end of `scan.text` is in, if any. Pure. */
  slot(scan: Scan): WordSlot | undefined;
  /** Whether `ch` writes the word rather than leaving an optional slot. */
  startsWord(ch: string): boolean;
  /**
   * The legal words, whole: identifiers end where a break character follows; a word that ends in a character
   * no identifier has (a string's closing quote, a folder's `/`) may be followed by anything. undefined: the
   * analysis says there is nothing to constrain here (no contextual type), [] it answered nothing usable.
   */
  ask(analysis: Analysis, question: WordQuestion, signal: AbortSignal): Promise<readonly string[] | undefined>;
  /** The word the final text has at the slot (`textFromAnchor` starts at the anchor). */
  chosen?(textFromAnchor: string): string;
}

/** A judgement of one character at one place (a `)` in a call, a `=` after a keyword name). */
export interface CharCheck<A> {
  /** The place the question is about (the call's anchor right after its `(`): answers are shared per anchor. */
  readonly anchor: number;
  readonly site?: number;
  legal(answer: A): boolean;
}

/** A monitor that vetoes specific next characters where the analysis says they are illegal. */
export interface CharMonitor<A = unknown> {
  readonly kind: MonitorKind;
  readonly shape: 'char';
  readonly languages: readonly Language[];
  /** The characters it judges. */
  readonly chars: string;
  /** Monitors that ask the same question at the same anchor share the answer (one query). */
  readonly question: string;
  /** The check for writing `ch` (followed by `rest`, the remainder of the token) at the end of `scan.text`. */
  check(scan: Scan, ch: string, rest: string): CharCheck<A> | undefined;
  /** Asked once per anchor; undefined when there is nothing to judge. */
  ask(analysis: Analysis, question: Question, signal: AbortSignal): Promise<A | undefined>;
  /** How many legal choices the answer holds (for the report). */
  size(answer: A): number;
}

export type Monitor = WordMonitor | CharMonitor<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ID_CHAR = /[\p{L}\p{N}_$]/u;

/** Whether `ch` can be part of an identifier. */
export function isIdentifierChar(ch: string | undefined): boolean {
  return ch !== undefined && ID_CHAR.test(ch);
}

/** The identifier at the start of `text`. */
export function leadingIdentifier(text: string): string {
  return /^[\p{L}\p{N}_$]*/u.exec(text)![0];
}

/**
 * Whether `written` (text from a slot's start) is consistent with one of `words`: still inside one, or one
 * whole word followed by a character that ends it (any character after a word that ends in a non-identifier
 * character such as a closing quote).
 */
export function fitsWords(words: readonly string[], written: string): boolean {
  for (const w of words) {
    if (w.startsWith(written)) return true;
    if (written.startsWith(w) && (!isIdentifierChar(w[w.length - 1]) || !isIdentifierChar(written[w.length]))) return true;
  }
  return false;
}

/**
 * The text after the cursor as a question's document continues it: on a line of its own, so what a monitor
 * closes or appends (`)`, a quote) never glues onto it (`customer.address()placeOrder(order)`).
 */
export function restOfDocument(after: string): string {
  return after === '' || /^[ \t]*\r?\n/.test(after) ? after : `\n${after}`;
}

/**
 * Whether a character written at the end of the scanned text is code (a bracket, comma or `=` is syntax
 * there, not part of a string or comment). The scan may carry the class of that next character (`kinds` one
 * longer than `text`, as `MonitorSet` gives it).
 */
export function nextIsCode({ text, kinds, language }: Scan, ch: string): boolean {
  if (kinds.length > text.length) return kinds[text.length] === Kind.Code;
  return classify(language, text + ch)[text.length] === Kind.Code;
}

/** A character monitor that judges its characters only where they are code. */
export function inCode<A>(monitor: CharMonitor<A>): CharMonitor<A> {
  return { ...monitor, check: (scan, ch, rest) => (nextIsCode(scan, ch) ? monitor.check(scan, ch, rest) : undefined) };
}
