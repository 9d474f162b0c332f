import { createRequire } from 'node:module';
import type * as TS from 'typescript5';
import { JS_CHECK_OPS, PROBE, type Check, type JsCheckOp, type SnippetPlan } from './plan.js';
import type { Tagged } from './values.js';

const require = createRequire(import.meta.url);
let tsModule: typeof TS | undefined;
const ts = (): typeof TS => (tsModule ??= require('typescript5') as typeof TS);

class NotLiteral extends Error {}

let comparisonKinds: ReadonlySet<number> | undefined;

/** Operators whose result, computed inside the sandbox, could be decided by the candidate's values. */
function comparisons(): ReadonlySet<number> {
  const k = ts().SyntaxKind;
  return (comparisonKinds ??= new Set([
    k.EqualsEqualsToken,
    k.EqualsEqualsEqualsToken,
    k.ExclamationEqualsToken,
    k.ExclamationEqualsEqualsToken,
    k.LessThanToken,
    k.LessThanEqualsToken,
    k.GreaterThanToken,
    k.GreaterThanEqualsToken,
    k.InKeyword,
    k.InstanceOfKeyword,
  ]));
}

/** The value of a literal expression as tagged data, without running anything; throws `NotLiteral`. */
function literal(node: TS.Expression): Tagged {
  const t = ts();
  const k = t.SyntaxKind;
  if (t.isParenthesizedExpression(node) || t.isAsExpression(node) || t.isSatisfiesExpression(node) || t.isTypeAssertionExpression(node)) {
    return literal(node.expression);
  }
  if (t.isNumericLiteral(node)) return numberTag(Number(node.text));
  if (t.isBigIntLiteral(node)) return ['bigint', BigInt(node.text.slice(0, -1)).toString()];
  if (t.isStringLiteral(node) || t.isNoSubstitutionTemplateLiteral(node)) return ['string', node.text];
  if (node.kind === k.TrueKeyword) return ['boolean', true];
  if (node.kind === k.FalseKeyword) return ['boolean', false];
  if (node.kind === k.NullKeyword) return ['null'];
  if (t.isIdentifier(node)) {
    if (node.text === 'undefined') return ['undefined'];
    if (node.text === 'NaN') return ['number', 'NaN'];
    if (node.text === 'Infinity') return ['number', 'Infinity'];
    throw new NotLiteral();
  }
  if (t.isPrefixUnaryExpression(node) && (node.operator === k.MinusToken || node.operator === k.PlusToken)) {
    const inner = literal(node.operand);
    const minus = node.operator === k.MinusToken;
    if (inner[0] === 'number') {
      const n = inner[1] === 'NaN' ? NaN : inner[1] === 'Infinity' ? Infinity : (inner[1] as number);
      return numberTag(minus ? -n : n);
    }
    if (inner[0] === 'bigint' && minus) return ['bigint', (-BigInt(inner[1] as string)).toString()];
    throw new NotLiteral();
  }
  if (t.isRegularExpressionLiteral(node)) {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(node.text);
    if (!m) throw new NotLiteral();
    return ['regexp', m[1]!, m[2]!];
  }
  if (t.isArrayLiteralExpression(node)) {
    return ['array', node.elements.map((e) => (t.isOmittedExpression(e) ? (['hole'] as Tagged) : literal(e as TS.Expression)))];
  }
  if (t.isObjectLiteralExpression(node)) {
    const entries: [string, Tagged][] = [];
    for (const p of node.properties) {
      if (!t.isPropertyAssignment(p)) throw new NotLiteral();
      const name = p.name;
      let key: string;
      if (t.isIdentifier(name) || t.isStringLiteral(name)) key = name.text;
      else if (t.isNumericLiteral(name)) key = String(Number(name.text));
      else throw new NotLiteral();
      if (key === '__proto__') throw new NotLiteral(); // sets a prototype in a literal, not a key
      const at = entries.findIndex(([k2]) => k2 === key);
      if (at >= 0) entries.splice(at, 1);
      entries.push([key, literal(p.initializer)]);
    }
    return ['object', entries, false];
  }
  if (t.isNewExpression(node) && t.isIdentifier(node.expression) && (node.expression.text === 'Map' || node.expression.text === 'Set')) {
    const args = node.arguments ?? [];
    if (args.length > 1) throw new NotLiteral();
    const items = args.length ? literal(args[0]!) : (['array', []] as Tagged);
    if (items[0] !== 'array') throw new NotLiteral();
    const list = items[1] as Tagged[];
    if (node.expression.text === 'Set') return ['set', list];
    return ['map', list.map((pair) => {
      if (pair[0] !== 'array' || (pair[1] as Tagged[]).length !== 2) throw new NotLiteral();
      return pair[1] as Tagged[];
    })];
  }
  throw new NotLiteral();
}

function numberTag(n: number): Tagged {
  if (Number.isNaN(n)) return ['number', 'NaN'];
  if (n === Infinity) return ['number', 'Infinity'];
  if (n === -Infinity) return ['number', '-Infinity'];
  if (Object.is(n, -0)) return ['number', '-0'];
  return ['number', n];
}

/** `assert.op(...)` or `assert(...)` as a statement: the op and the call, or undefined. */
function assertCall(statement: TS.Statement): { op: JsCheckOp; call: TS.CallExpression } | undefined {
  const t = ts();
  if (!t.isExpressionStatement(statement) || !t.isCallExpression(statement.expression)) return undefined;
  const call = statement.expression;
  const callee = call.expression;
  if (t.isIdentifier(callee) && callee.text === 'assert') return { op: 'ok', call };
  if (t.isPropertyAccessExpression(callee) && t.isIdentifier(callee.expression) && callee.expression.text === 'assert') {
    const op = callee.name.text as JsCheckOp;
    if ((JS_CHECK_OPS as readonly string[]).includes(op)) return { op, call };
  }
  return undefined;
}

/**
 * Plans a TypeScript / JavaScript test snippet. Judged when every top-level statement that calls `assert` is
 * `assert.deepStrictEqual | strictEqual | deepEqual | equal | notDeepStrictEqual | notStrictEqual |
 * notDeepEqual | notEqual (expr, literal[, 'message'])` or `assert.ok(expr[, 'message'])` / `assert(expr)`, and
 * nothing else in the snippet uses `assert` or compares (`===`, `<`, `in`, `switch`…): a comparison computed in
 * the sandbox could be decided by the candidate, and its operands would be visible to it.
 */
export function planJsSnippet(snippet: string): SnippetPlan {
  const t = ts();
  const forgeable = (reason: string): SnippetPlan => ({ kind: 'forgeable', code: snippet, reason });
  const sf = t.createSourceFile('test.ts', snippet, t.ScriptTarget.ES2022, true, t.ScriptKind.TS);
  if (((sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? []).length) return forgeable('does not parse');
  const checks: Check[] = [];
  const replacements: { start: number; end: number; text: string }[] = [];
  const skip = new Set<TS.Node>();
  for (const statement of sf.statements) {
    const found = assertCall(statement);
    if (!found) continue;
    const { op, call } = found;
    const args = call.arguments;
    const binary = op !== 'ok';
    const arity = binary ? 2 : 1;
    const source = statement.getText(sf);
    if (args.length < arity || args.length > arity + 1 || args.some((a) => t.isSpreadElement(a))) return forgeable(`unexpected arguments: ${source}`);
    const messageArg = args[arity];
    if (messageArg && !t.isStringLiteral(messageArg) && !t.isNoSubstitutionTemplateLiteral(messageArg)) return forgeable(`a message that is not a string literal: ${source}`);
    let expected: Tagged | undefined;
    if (binary) {
      try {
        expected = literal(args[1]!);
      } catch {
        return forgeable(`the expected value is not a literal: ${source}`);
      }
    }
    const actual = args[0]!;
    const k = checks.length;
    checks.push({
      op,
      ...(expected ? { expected } : {}),
      source,
      ...(messageArg ? { message: (messageArg as TS.StringLiteral).text } : {}),
    });
    replacements.push({ start: statement.getStart(sf), end: statement.end, text: `${PROBE}(${k}, (${actual.getText(sf)}));` });
    // Searched below like any other code: the probed expression; skipped: `assert.op`, the literal, the message.
    skip.add(call.expression);
    for (const a of args.slice(1)) skip.add(a);
  }
  if (checks.length === 0) return forgeable('no assertion of a judged form');
  let problem: string | undefined;
  const visit = (node: TS.Node): void => {
    if (problem || skip.has(node)) return;
    if (t.isIdentifier(node) && (node.text === 'assert' || node.text === PROBE)) problem = `uses ${node.text} outside a judged assertion`;
    else if (t.isBinaryExpression(node) && comparisons().has(node.operatorToken.kind)) problem = `compares inside the sandbox: ${node.getText(sf)}`;
    else if (t.isSwitchStatement(node)) problem = 'a switch compares inside the sandbox';
    else t.forEachChild(node, visit);
  };
  visit(sf);
  if (problem) return forgeable(problem);
  let code = snippet;
  for (const r of [...replacements].reverse()) code = code.slice(0, r.start) + r.text + code.slice(r.end);
  return { kind: 'judged', code, checks };
}
