import type { Tagged } from './values.js';

/** Python checks: `assert x == L`, `assert x != L`, `assert x`, `assert not x`, `assert x is None` (/ True / False), `is not`. */
export type PythonCheckOp = 'eq' | 'ne' | 'truthy' | 'falsy' | 'is' | 'is-not';

/** JavaScript checks: node's `assert` functions, judged by the judge's own `node:assert`. */
export const JS_CHECK_OPS = [
  'deepStrictEqual',
  'strictEqual',
  'deepEqual',
  'equal',
  'notDeepStrictEqual',
  'notStrictEqual',
  'notDeepEqual',
  'notEqual',
  'ok',
] as const;
export type JsCheckOp = (typeof JS_CHECK_OPS)[number];

/** One assertion the judge decides: the sandbox only reports the value of its expression. */
export interface Check {
  readonly op: PythonCheckOp | JsCheckOp;
  /** The literal to compare with (never sent into the sandbox). */
  readonly expected?: Tagged;
  /** Python `is` / `is not`: the singleton. */
  readonly singleton?: 'None' | 'True' | 'False';
  /** The assertion as written, for messages. */
  readonly source: string;
  /** The author's failure message (a string literal), if any. */
  readonly message?: string;
}

/**
 * How one test snippet is run.
 * - `judged`: every assertion was parsed into an expression and an expected literal; `code` is the snippet with
 *   each assertion replaced by `__probe(k, expression)`, which only reports the value. The verdict is the judge's.
 * - `forgeable`: any other form; the snippet runs as written and its own assertions decide, inside the sandbox,
 *   where a hostile candidate could interfere. Such results are marked `forgeable`.
 */
export type SnippetPlan =
  | { readonly kind: 'judged'; readonly code: string; readonly checks: readonly Check[] }
  | { readonly kind: 'forgeable'; readonly code: string; readonly reason: string };

/** Name of the reporting function a judged snippet calls. */
export const PROBE = '__probe';
