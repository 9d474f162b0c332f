import type { LogitsProcessor, SequenceView } from '../decode/logits-processor.js';
import { findDereference, type Dereference } from '../lang/dereference.js';
import { classify, Kind } from '../lang/lexical.js';
import { withDeadline } from '../util/deadline.js';
import { AnalysisUnavailable, type MemberOracle, type MonitorDocument, type MonitorReport, type Trigger } from './types.js';
import type { MonitorVocab } from './vocab.js';
import { applyAllowList, utf8All } from './vocab-trie.js';

export interface DereferenceMonitorOptions {
  /** How long a step may wait for the analysis before going on unconstrained (degraded). Default 300 ms. */
  readonly budgetMs?: number;
}

interface Lookup {
  /** Legal member names, or undefined when the analysis could not tell (degraded). */
  readonly members: readonly string[] | undefined;
  readonly trigger: TriggerRecord;
}

interface TriggerRecord {
  offset: number;
  /** Model text between the end of the prompt's model part and the dot (identifies the document state). */
  context: string;
  allowed: number;
  latencyMs: number;
  degraded: boolean;
  reason?: string;
}

const ID_CHARS = /^[\p{L}\p{N}_$]*/u;
const encoder = new TextEncoder();

/**
 * The dereference monitor of monitor-guided decoding. It watches the model's text inside the document; at a
 * dereference point (`expr.` or `expr?.`, in code) it asks the oracle for the members that are type-valid and
 * constrains the identifier after the dot to them: while inside that identifier every step is masked to the
 * vocabulary-trie allow-list of the remaining suffixes (state *constrained*); elsewhere decoding is free.
 *
 * The tokenizer glues a dot to the member after it (`.readFileSync` is one token), so the trigger is also
 * checked on the token the model picks (`review`): a token that carries a dot and an illegal member is vetoed
 * together with every other illegal dot-token, and the step is chosen again — the same distribution as
 * masking up front, without asking the server at every place a dot could come.
 *
 * State lives in the text, not in the object (beams may fork sequences); the object only caches answers per
 * dot and records triggers for the report. If the analysis answers nothing, fails or exceeds the budget, that
 * identifier is left unconstrained and the trigger is marked degraded: the monitor never blocks a completion.
 */
export class DereferenceMonitor implements LogitsProcessor {
  private readonly modelBefore: string;
  /** Start of the text re-scanned each step: a line start of `before` that is in plain code. */
  private readonly windowStart: number;
  private readonly lookups = new Map<string, Promise<Lookup>>();
  private readonly constrainedAt = new Set<string>();
  private readonly budgetMs: number;
  /** Dot of the dereference the cursor itself is in (`obj.ge|`), if any. */
  private readonly cursorDot: number | undefined;

  constructor(
    private readonly document: MonitorDocument,
    private readonly oracle: MemberOracle,
    private readonly vocab: MonitorVocab,
    options: DereferenceMonitorOptions = {},
  ) {
    const { before, healed } = document;
    if (!before.endsWith(healed)) throw new RangeError('the healed text must be the end of the text before the cursor');
    this.modelBefore = before.slice(0, before.length - healed.length);
    this.windowStart = codeLineStart(this.modelBefore, document.language);
    this.budgetMs = options.budgetMs ?? 300;
    this.cursorDot = this.dereferenceAtEnd(before)?.dot;
  }

  /** The dereference the text `T` (model text so far) ends in, in `T`'s offsets. */
  private dereferenceAtEnd(text: string): Dereference | undefined {
    const window = text.slice(this.windowStart);
    const d = findDereference(window, window.length, this.document.language);
    if (!d) return undefined;
    return { ...d, dot: d.dot + this.windowStart, memberStart: d.memberStart + this.windowStart };
  }

  process(sequence: SequenceView, logits: Float32Array): void | Promise<void> {
    const text = this.modelBefore + sequence.generatedText;
    const d = this.dereferenceAtEnd(text);
    if (!d) return; // free
    // Still rewriting the healed end of the prompt: an identifier the prompt goes on to finish (`this.items|.`
    // with `.` healed) needs no constraint; only the cursor's own dereference (`obj.ge|`) does.
    if (text.length < this.document.before.length && d.dot !== this.cursorDot) return;
    return this.constrain(text, d, sequence.generatedText, logits);
  }

  private async constrain(text: string, d: Dereference, generated: string, logits: Float32Array): Promise<void> {
    const { members, trigger } = await this.lookup(text, d.dot, d.prefix);
    if (!members) return;
    const legal = members.filter((m) => m.startsWith(d.prefix));
    if (legal.length === 0) {
      // The identifier typed so far has no legal continuation (e.g. the prompt typed `obj.zz`): leave it free.
      trigger.degraded = true;
      trigger.reason ??= 'no-legal-continuation';
      return;
    }
    let allowed = this.vocab.trie.allowed(utf8All(legal.map((m) => m.slice(d.prefix.length))), this.vocab.isBreak);
    // A complete identifier may also end the generation.
    if (legal.includes(d.prefix)) allowed = concat(allowed, this.vocab.specialIds);
    applyAllowList(logits, allowed);
    this.constrainedAt.add(generated);
  }

  async review(sequence: SequenceView, token: number, logits: Float32Array): Promise<boolean> {
    const piece = this.vocab.texts[token];
    if (!piece || !piece.includes('.')) return false;
    const text = this.modelBefore + sequence.generatedText;
    for (let j = piece.indexOf('.'); j !== -1; j = piece.indexOf('.', j + 1)) {
      const upToDot = text + piece.slice(0, j + 1);
      const d = this.dereferenceAtEnd(upToDot);
      if (!d) continue;
      const after = piece.slice(j + 1);
      const name = ID_CHARS.exec(after)![0];
      const complete = name.length < after.length;
      const { members } = await this.lookup(upToDot, d.dot, '');
      if (!members || members.length === 0) continue;
      const legal = complete ? members.includes(name) : members.some((m) => m.startsWith(name));
      if (legal) continue;
      const lead = piece.slice(0, j + 1);
      if (lead === '.' || lead === '?.') this.vetoDotTokens(lead, members, logits);
      logits[token] = -Infinity;
      return true;
    }
    return false;
  }

  /** Masks every token that starts with `lead` (`.` or `?.`) and does not spell a legal member after it. */
  private vetoDotTokens(lead: string, members: readonly string[], logits: Float32Array): void {
    const { trie, isBreak } = this.vocab;
    const ok = new Set(trie.allowed(utf8All(members.map((m) => lead + m)), isBreak));
    for (const id of trie.tokensStartingWith(encoder.encode(lead))) if (!ok.has(id)) logits[id] = -Infinity;
  }

  /** Members at the dot `dot` of model text `text` (cached per document state), within the time budget. */
  private lookup(text: string, dot: number, prefix: string): Promise<Lookup> {
    const context = text.slice(Math.min(this.modelBefore.length, dot + 1), dot + 1);
    const key = `${dot}\u0000${context}`;
    let found = this.lookups.get(key);
    if (!found) {
      found = this.ask(text, dot, prefix, context);
      this.lookups.set(key, found);
    }
    return found;
  }

  private async ask(text: string, dot: number, prefix: string, context: string): Promise<Lookup> {
    const trigger: TriggerRecord = { offset: dot, context, allowed: 0, latencyMs: 0, degraded: false };
    const started = performance.now();
    let members: readonly string[] | undefined;
    const stop = new AbortController();
    try {
      const answer = await withDeadline(this.oracle.members(text.slice(0, dot + 1), text.slice(dot + 1) + this.document.after, stop.signal), this.budgetMs);
      if (answer === 'timeout') {
        trigger.reason = 'timeout';
        stop.abort(); // the analysis drops the query instead of holding the document for the next one
      } else if (answer.length === 0) trigger.reason = 'empty';
      else members = answer;
    } catch (e) {
      trigger.reason = e instanceof AnalysisUnavailable ? e.reason : `error: ${(e as Error).message}`;
    }
    trigger.latencyMs = Math.round((performance.now() - started) * 100) / 100;
    trigger.degraded = members === undefined;
    trigger.allowed = members ? members.filter((m) => m.startsWith(prefix)).length : 0;
    return { members, trigger };
  }

  /** Triggers on the path of the final completion (`completion` = the text inserted after `before`). */
  async report(completion: string): Promise<MonitorReport> {
    const text = this.document.before + completion;
    const generated = this.document.healed + completion;
    const triggers: Trigger[] = [];
    for (const lookup of this.lookups.values()) {
      const { trigger: t } = await lookup;
      const onPath = text[t.offset] === '.' && text.slice(Math.min(this.modelBefore.length, t.offset + 1), t.offset + 1) === t.context;
      if (!onPath) continue;
      const chosen = ID_CHARS.exec(text.slice(t.offset + 1))![0];
      triggers.push({
        offset: t.offset,
        allowed: t.allowed,
        chosen,
        latencyMs: t.latencyMs,
        degraded: t.degraded,
        ...(t.reason ? { reason: t.reason } : {}),
      });
    }
    triggers.sort((a, b) => a.offset - b.offset);
    let constrainedTokens = 0;
    for (const at of this.constrainedAt) if (generated.startsWith(at)) constrainedTokens++;
    return { triggers, constrainedTokens };
  }
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * A line start of `text` at least `back` characters before its end where the lexer is in plain code, so
 * re-scanning from it classifies the rest exactly (and sees a receiver on an earlier line, `items\n  .map`).
 */
function codeLineStart(text: string, language: MonitorDocument['language'], back = 1000): number {
  const kinds = classify(language, text);
  for (let nl = text.lastIndexOf('\n'); nl !== -1; nl = nl === 0 ? -1 : text.lastIndexOf('\n', nl - 1)) {
    if (kinds[nl] === Kind.Code && nl + 1 <= text.length - back) return nl + 1;
  }
  return 0;
}
