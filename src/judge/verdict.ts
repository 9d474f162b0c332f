import assert from 'node:assert';
import { toJs } from './js-values.js';
import type { Check, JsCheckOp, SnippetPlan } from './plan.js';
import { pyEquals, pyIs, pyRepr, pyTruthy } from './python-equality.js';
import { MalformedValue, parseTagged, type JudgeLanguage, type Tagged } from './values.js';

export type TestStatus = 'pass' | 'fail' | 'error' | 'timeout';

export interface TestOutcome {
  readonly status: TestStatus;
  readonly message?: string;
  /**
   * The test's own assertions decided it inside the sandbox (a snippet of a form the judge cannot parse), so
   * a hostile program could have forged this outcome. Absent for tests the judge decided.
   */
  readonly forgeable?: true;
}

/** What the harness reported for one test, in the order it arrived on the channel. */
export type TestEvent =
  | { readonly kind: 'value'; readonly check: number; readonly value: unknown }
  | { readonly kind: 'refused'; readonly check: number; readonly message: string }
  | { readonly kind: 'threw'; readonly message: string; readonly assertion: boolean }
  | { readonly kind: 'done' }
  | { readonly kind: 'legacy'; readonly status: 'pass' | 'fail' | 'error'; readonly message?: string };

/** The channel as the harness wrote it (any line may be forged or garbled by the program: all are checked). */
export interface ChannelReport {
  /** The program did not load. */
  readonly load?: string;
  /** The harness could not set the sandbox up (a setup failure, not the program's). */
  readonly setup?: string;
  readonly events: ReadonlyMap<number, readonly TestEvent[]>;
}

const text = (x: unknown, limit = 1000): string | undefined => (typeof x === 'string' ? x.slice(0, limit) : undefined);

/** Parses the channel's JSON lines; lines that are not well-formed events are ignored. */
export function readChannel(channel: string): ChannelReport {
  let load: string | undefined;
  let setup: string | undefined;
  const events = new Map<number, TestEvent[]>();
  for (const line of channel.split('\n')) {
    if (!line) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof e !== 'object' || e === null) continue;
    if (load === undefined && typeof e['load'] === 'string') load = text(e['load']);
    if (setup === undefined && typeof e['setup'] === 'string') setup = text(e['setup']);
    const t = e['t'];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) continue;
    let event: TestEvent | undefined;
    const k = e['k'];
    if (typeof k === 'number' && Number.isInteger(k)) {
      if ('v' in e) event = { kind: 'value', check: k, value: e['v'] };
      else if (typeof e['e'] === 'string') event = { kind: 'refused', check: k, message: text(e['e'], 300)! };
    } else if (typeof e['x'] === 'string') event = { kind: 'threw', message: text(e['x'], 500)!, assertion: e['a'] === true };
    else if (e['done'] === true) event = { kind: 'done' };
    else if (e['legacy'] === 'pass' || e['legacy'] === 'fail' || e['legacy'] === 'error') {
      const message = text(e['m'], 500);
      event = { kind: 'legacy', status: e['legacy'], ...(message !== undefined ? { message } : {}) };
    }
    if (!event) continue;
    const list = events.get(t) ?? [];
    list.push(event);
    events.set(t, list);
  }
  return { ...(load !== undefined ? { load } : {}), ...(setup !== undefined ? { setup } : {}), events };
}

/** Whether `actual` passes `check`; a failure message otherwise. */
export function decide(language: JudgeLanguage, check: Check, actual: Tagged): { ok: true } | { ok: false; message: string } {
  const fail = (why: string) => ({ ok: false as const, message: `${check.message ? `${check.message}: ` : ''}${why} (${check.source})` });
  if (language === 'python') {
    // repr only for a failure: every check of every test passes through here.
    const got = () => pyRepr(actual);
    switch (check.op) {
      case 'eq':
        return pyEquals(actual, check.expected!) ? { ok: true } : fail(`got ${got()}, expected ${pyRepr(check.expected!)}`);
      case 'ne':
        return !pyEquals(actual, check.expected!) ? { ok: true } : fail(`got ${got()}, expected anything but that`);
      case 'is':
      case 'is-not': {
        const is = pyIs(actual, check.singleton!);
        return is === (check.op === 'is') ? { ok: true } : fail(`got ${got()}`);
      }
      default: {
        const truth = pyTruthy(actual);
        if (truth === undefined) return fail(`cannot judge the truth of ${got()}: its class decides it`);
        return truth === (check.op === 'truthy') ? { ok: true } : fail(`got ${got()}`);
      }
    }
  }
  try {
    const op = check.op as JsCheckOp;
    const value = toJs(actual);
    if (op === 'ok') assert.ok(value);
    else (assert[op] as (a: unknown, b: unknown) => void)(value, toJs(check.expected!));
    return { ok: true };
  } catch (e) {
    return fail((e as Error).message.split('\n').slice(0, 12).join('\n'));
  }
}

/**
 * The verdict on one test from its events, or undefined when they do not settle it (the run ended first).
 * A judged test passes only when every check's value arrived, each satisfies its check as the judge computes
 * it, and the snippet finished; the first failing check, a refused value or an exception settles it earlier.
 * The first value reported for a check counts. A forgeable test takes the status its harness reported.
 */
export function judgeTest(language: JudgeLanguage, plan: SnippetPlan, events: readonly TestEvent[]): TestOutcome | undefined {
  if (plan.kind === 'forgeable') {
    const reported = events.find((e) => e.kind === 'legacy');
    if (!reported) return undefined;
    return { status: reported.status, ...(reported.message !== undefined ? { message: reported.message } : {}), forgeable: true };
  }
  const satisfied = new Set<number>();
  for (const e of events) {
    switch (e.kind) {
      case 'value': {
        const check = plan.checks[e.check];
        if (!check || satisfied.has(e.check)) break;
        let actual: Tagged;
        try {
          actual = parseTagged(language, e.value);
        } catch (err) {
          return { status: 'fail', message: `a malformed value was reported (${(err as MalformedValue).message})` };
        }
        const verdict = decide(language, check, actual);
        if (!verdict.ok) return { status: 'fail', message: verdict.message };
        satisfied.add(e.check);
        break;
      }
      case 'refused':
        if (!plan.checks[e.check]) break;
        return { status: 'fail', message: `${e.message} (${plan.checks[e.check]!.source})` };
      case 'threw':
        return { status: e.assertion ? 'fail' : 'error', message: e.message };
      case 'done': {
        const missing = plan.checks.findIndex((_, k) => !satisfied.has(k));
        if (missing === -1) return { status: 'pass' };
        return { status: 'error', message: `the test ended without evaluating ${plan.checks[missing]!.source}` };
      }
      default:
        break;
    }
  }
  return undefined;
}
