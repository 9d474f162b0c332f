import type { LogitsProcessor, SequenceView } from '../decode/logits-processor.js';
import { classify, Kind } from '../lang/lexical.js';
import { withDeadline } from '../util/deadline.js';
import { fitsWords, leadingIdentifier, type CharCheck, type CharMonitor, type Monitor, type Question, type Scan, type WordMonitor, type WordSlot } from './monitor.js';
import { AnalysisUnavailable, type Analysis, type MonitorDocument, type MonitorKind, type MonitorReport, type Trigger } from './types.js';
import type { MonitorVocab } from './vocab.js';
import { applyAllowList, utf8All } from './vocab-trie.js';

export interface MonitorSetOptions {
  /** How long a step may wait for the analysis before going on unconstrained (degraded). Default 300 ms. */
  readonly budgetMs?: number;
}

interface TriggerRecord {
  readonly monitor: MonitorKind;
  /** Offset (in the document as decoded) the report names, and the anchor the question was cut at. */
  readonly site: number;
  readonly anchor: number;
  /** Model text between the end of the prompt's model part and the anchor (identifies the document state). */
  readonly context: string;
  allowed: number;
  latencyMs: number;
  degraded: boolean;
  reason?: string;
  vetoes: number;
  /** Whether the answer constrains anything (false: not applicable here, e.g. a string of type `string`). */
  applies: boolean;
  readonly word: boolean;
  readonly chosen?: (textFromAnchor: string) => string;
}

/** One question of one monitor at one place (window offsets): what `lookup` asks and records. */
interface Query {
  readonly kind: MonitorKind;
  /** Monitors asking the same question at the same place share its answer. */
  readonly question: string;
  readonly anchor: number;
  readonly site: number;
  readonly word: boolean;
  readonly chosen?: ((textFromAnchor: string) => string) | undefined;
  ask(question: Question, signal: AbortSignal): Promise<unknown>;
  size(answer: unknown): number;
}

interface Lookup<A> {
  /** The answer, or undefined when the analysis could not tell (degraded) or there is nothing to judge. */
  readonly answer: A | undefined;
  readonly trigger: TriggerRecord;
}

const encoder = new TextEncoder();

/**
 * The monitors of one completion, run jointly as one logits processor over one document. Each monitor is
 * small (a pure trigger, a question, a constraint); this class does, once for all of them, what they share:
 *
 * - the scan of the decoded text (a window from a code line start, classified once per step);
 * - asking the analysis: one question per (question, anchor, document state), cached, bounded by the time
 *   budget — past it the query is aborted (the server is sent `$/cancelRequest` and the document is released)
 *   and the trigger degrades; a failing or not-ready analysis degrades it too, never blocking the completion;
 * - applying the constraint: word monitors mask every step inside their slot to the vocabulary-trie allow-list
 *   of the legal remainders, and veto a chosen token that enters the slot with an illegal word (`.bad`,
 *   ` methd`), together with every token of the same lead that would; character monitors veto a chosen token
 *   that writes an illegal character (`)` before the required arguments), with every token that writes it there;
 * - the report: the triggers on the final completion's path, each naming its monitor.
 *
 * State lives in the text, not in this object (beams fork sequences); the object only caches answers.
 */
export class MonitorSet implements LogitsProcessor {
  private readonly modelBefore: string;
  /** Start of the text re-scanned each step: a line start of `before` that is in plain code. */
  private readonly windowStart: number;
  private readonly words: WordMonitor[];
  private readonly chars: CharMonitor[];
  private readonly answers = new Map<string, Promise<unknown>>();
  private readonly lookups = new Map<string, Promise<Lookup<unknown>>>();
  private readonly constrainedAt = new Set<string>();
  private readonly queries: Partial<Record<MonitorKind, number>> = {};
  private readonly budgetMs: number;
  /** Anchor of each word monitor's slot the cursor itself is in (`obj.ge|`), if any. */
  private readonly cursorAnchors = new Map<WordMonitor, number>();

  constructor(
    private readonly document: MonitorDocument,
    private readonly analysis: Analysis,
    private readonly vocab: MonitorVocab,
    monitors: readonly Monitor[],
    options: MonitorSetOptions = {},
  ) {
    const { before, healed } = document;
    if (!before.endsWith(healed)) throw new RangeError('the healed text must be the end of the text before the cursor');
    this.modelBefore = before.slice(0, before.length - healed.length);
    this.windowStart = codeLineStart(this.modelBefore, document.language);
    this.budgetMs = options.budgetMs ?? 300;
    const active = monitors.filter((m) => m.languages.includes(document.language));
    this.words = active.filter((m): m is WordMonitor => m.shape === 'word');
    this.chars = active.filter((m): m is CharMonitor => m.shape === 'char');
    const scan = this.scan(before);
    for (const m of this.words) {
      const slot = m.slot(scan);
      if (slot) this.cursorAnchors.set(m, slot.anchor + this.windowStart);
    }
  }

  private scan(text: string): Scan {
    const window = text.slice(this.windowStart);
    return { text: window, kinds: classify(this.document.language, window), language: this.document.language };
  }

  /** Whether a slot at `anchor` (document offset) of `text` may be judged: not while rewriting the prompt's healed end, except the cursor's own slot. */
  private judged(m: WordMonitor, text: string, anchor: number): boolean {
    return text.length >= this.document.before.length || anchor === this.cursorAnchors.get(m);
  }

  process(sequence: SequenceView, logits: Float32Array): void | Promise<void> {
    if (this.words.length === 0) return;
    const text = this.modelBefore + sequence.generatedText;
    const scan = this.scan(text);
    for (const m of this.words) {
      const slot = m.slot(scan);
      if (!slot || (slot.prefix === '' && !slot.required)) continue; // an optional slot is judged when entered (review)
      if (!this.judged(m, text, slot.anchor + this.windowStart)) continue;
      return this.constrain(m, slot, text, sequence.generatedText, logits);
    }
  }

  private async constrain(m: WordMonitor, slot: WordSlot, text: string, generated: string, logits: Float32Array): Promise<void> {
    const { answer: words, trigger } = await this.lookupWord(m, slot, text);
    if (!words) return;
    const { prefix } = slot;
    const legal = words.filter((w) => w.startsWith(prefix));
    if (legal.length === 0) {
      // What was written so far has no legal continuation (e.g. the prompt typed `obj.zz`): leave it free.
      trigger.degraded = true;
      trigger.reason ??= 'no-legal-continuation';
      return;
    }
    let allowed = this.vocab.trie.allowed(utf8All(legal.map((w) => w.slice(prefix.length))), this.vocab.isBreak);
    // A complete word may also end the generation.
    if (legal.includes(prefix)) allowed = concat(allowed, this.vocab.specialIds);
    applyAllowList(logits, allowed);
    this.constrainedAt.add(generated);
  }

  async review(sequence: SequenceView, token: number, logits: Float32Array): Promise<boolean> {
    const piece = this.vocab.texts[token];
    if (!piece) return false;
    const text = this.modelBefore + sequence.generatedText;
    const whole = this.scan(text + piece);
    const base = whole.text.length - piece.length;
    for (let j = 0; j < piece.length; j++) {
      const at = base + j;
      // `kinds` is one longer than `text`: it carries the class of the character being judged.
      const scan: Scan = { text: whole.text.slice(0, at), kinds: whole.kinds.subarray(0, at + 1), language: whole.language };
      const ch = piece[j]!;
      const upTo = text + piece.slice(0, j);
      for (const m of this.words) {
        const slot = m.slot(scan);
        if (!slot || slot.prefix !== '' || slot.anchor !== at) continue;
        if (j === 0 && slot.required) continue; // `process` masked this step already
        if (!slot.required && !m.startsWord(ch)) continue;
        if (!this.judged(m, upTo, slot.anchor + this.windowStart)) continue;
        const { answer: words, trigger } = await this.lookupWord(m, slot, upTo);
        if (!words || words.length === 0 || fitsWords(words, piece.slice(j))) continue;
        return this.veto(token, piece.slice(0, j), logits, trigger, (rest) => (slot.required || m.startsWord(rest[0]!)) && !fitsWords(words, rest));
      }
      // The prompt's own text (rewritten after token healing) is given, not judged.
      if (upTo.length < this.document.before.length) continue;
      for (const m of this.chars) {
        if (!m.chars.includes(ch)) continue;
        const check = m.check(scan, ch, piece.slice(j + 1));
        if (!check) continue;
        const { answer, trigger } = await this.lookupChar(m, check, upTo);
        if (answer === undefined || check.legal(answer)) continue;
        return this.veto(token, piece.slice(0, j), logits, trigger, (rest) => {
          if (rest[0] !== ch) return false;
          const other = m.check(scan, ch, rest.slice(1));
          return other !== undefined && !other.legal(answer);
        });
      }
    }
    return false;
  }

  /**
   * Vetoes the chosen `token` and every token that starts with `lead` and whose rest after it `illegal`
   * rejects; the step is chosen again from what is left.
   */
  private veto(token: number, lead: string, logits: Float32Array, trigger: TriggerRecord, illegal: (rest: string) => boolean): true {
    const { trie, texts } = this.vocab;
    for (const id of trie.tokensStartingWith(encoder.encode(lead))) {
      const t = texts[id];
      if (t === undefined || t.length <= lead.length || logits[id] === -Infinity) continue;
      if (illegal(t.slice(lead.length))) logits[id] = -Infinity;
    }
    logits[token] = -Infinity;
    trigger.vetoes++;
    return true;
  }

  private lookupWord(m: WordMonitor, slot: WordSlot, text: string): Promise<Lookup<readonly string[]>> {
    return this.lookup(text, {
      kind: m.kind,
      question: `${m.kind}\u0000${slot.key ?? ''}`,
      anchor: slot.anchor,
      site: slot.site ?? slot.anchor,
      word: true,
      chosen: m.chosen,
      ask: (question, signal) => m.ask(this.analysis, { ...question, prefix: slot.prefix, slot }, signal),
      size: (words) => (words as readonly string[]).filter((w) => w.startsWith(slot.prefix)).length,
    }) as Promise<Lookup<readonly string[]>>;
  }

  private lookupChar<A>(m: CharMonitor<A>, check: CharCheck<A>, text: string): Promise<Lookup<A>> {
    return this.lookup(text, {
      kind: m.kind,
      question: m.question,
      anchor: check.anchor,
      site: check.site ?? check.anchor,
      word: false,
      ask: (question, signal) => m.ask(this.analysis, question, signal),
      size: (answer) => m.size(answer as A),
    }) as Promise<Lookup<A>>;
  }

  /** Model text between the end of the prompt's model part and `anchor`: what identifies the document state there. */
  private contextAt(text: string, anchor: number): string {
    return text.slice(Math.min(this.modelBefore.length, anchor), anchor);
  }

  /**
   * The answer to `query`'s question at its place in model text `text` (cached per question and document
   * state, shared by the monitors that ask it) and the trigger record of its monitor there.
   */
  private lookup(text: string, query: Query): Promise<Lookup<unknown>> {
    const anchor = query.anchor + this.windowStart;
    const context = this.contextAt(text, anchor);
    const place = `${anchor}\u0000${context}`;
    const key = `${query.kind}\u0000${place}`;
    let found = this.lookups.get(key);
    if (!found) {
      const answerKey = `${query.question}\u0000${place}`;
      let answer = this.answers.get(answerKey);
      if (!answer) {
        this.queries[query.kind] = (this.queries[query.kind] ?? 0) + 1;
        const question: Question = { before: text.slice(0, anchor), after: this.document.after, language: this.document.language };
        answer = this.ask((signal) => query.ask(question, signal));
        this.answers.set(answerKey, answer);
      }
      found = (async () => {
        const started = performance.now();
        const { value, reason } = (await answer) as Asked;
        const trigger: TriggerRecord = {
          monitor: query.kind,
          site: query.site + this.windowStart,
          anchor,
          context,
          allowed: value === undefined ? 0 : query.size(value),
          latencyMs: Math.round((performance.now() - started) * 100) / 100,
          degraded: reason !== undefined,
          ...(reason ? { reason } : {}),
          vetoes: 0,
          applies: reason !== undefined || value !== undefined,
          word: query.word,
          ...(query.chosen ? { chosen: query.chosen } : {}),
        };
        if (query.word && Array.isArray(value) && value.length === 0) {
          trigger.degraded = true;
          trigger.reason = 'empty';
          return { answer: undefined, trigger };
        }
        return { answer: value, trigger };
      })();
      this.lookups.set(key, found);
    }
    return found;
  }

  /** Asks within the budget; never rejects. */
  private async ask(ask: (signal: AbortSignal) => Promise<unknown>): Promise<Asked> {
    const stop = new AbortController();
    try {
      const answer = await withDeadline(ask(stop.signal), this.budgetMs);
      if (answer === 'timeout') {
        stop.abort(); // the analysis drops the query instead of holding the document for the next one
        return { value: undefined, reason: 'timeout' };
      }
      return { value: answer };
    } catch (e) {
      return { value: undefined, reason: e instanceof AnalysisUnavailable ? e.reason : `error: ${(e as Error).message}` };
    }
  }

  /** Triggers on the path of the final completion (`completion` = the text inserted after `before`). */
  async report(completion: string): Promise<MonitorReport> {
    const text = this.document.before + completion;
    const generated = this.document.healed + completion;
    const triggers: Trigger[] = [];
    for (const lookup of this.lookups.values()) {
      const { trigger: t } = await lookup;
      if (!t.applies) continue;
      const onPath = text.length >= t.anchor && this.contextAt(text, t.anchor) === t.context;
      if (!onPath) continue;
      const rest = text.slice(t.anchor);
      const chosen = !t.word ? '' : t.chosen ? t.chosen(rest) : leadingIdentifier(rest);
      triggers.push({
        monitor: t.monitor,
        offset: t.site,
        allowed: t.allowed,
        chosen,
        latencyMs: t.latencyMs,
        degraded: t.degraded,
        ...(t.reason ? { reason: t.reason } : {}),
        ...(t.vetoes ? { vetoes: t.vetoes } : {}),
      });
    }
    triggers.sort((a, b) => a.offset - b.offset);
    let constrainedTokens = 0;
    for (const at of this.constrainedAt) if (generated.startsWith(at)) constrainedTokens++;
    return { triggers, constrainedTokens, queries: { ...this.queries } };
  }
}

interface Asked {
  readonly value: unknown;
  readonly reason?: string;
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Where the text re-scanned each step starts: a line start of `text` at least `back` characters before its end
 * where the lexer is in plain code, so re-scanning from it classifies the rest exactly (and sees a receiver on
 * an earlier line, `items\n  .map`). Looked for at most `limit` characters back; a text with no such line start
 * there (a minified file is one long line) starts between two code characters instead, so no step re-scans
 * megabytes.
 */
function codeLineStart(text: string, language: MonitorDocument['language'], back = 1000, limit = 20_000): number {
  const kinds = classify(language, text);
  const floor = Math.max(0, text.length - limit);
  for (let nl = text.lastIndexOf('\n'); nl >= floor; nl = nl === 0 ? -1 : text.lastIndexOf('\n', nl - 1)) {
    if (kinds[nl] === Kind.Code && nl + 1 <= text.length - back) return nl + 1;
  }
  if (floor === 0) return 0;
  for (let i = text.length - back; i > floor; i--) if (kinds[i - 1] === Kind.Code && kinds[i] === Kind.Code) return i;
  return 0;
}
