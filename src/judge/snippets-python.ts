import { execFile } from 'node:child_process';
import { pythonRuntime } from '../sandbox/runtimes.js';
import { PROBE, type SnippetPlan } from './plan.js';
import { PYTHON_ENCODER } from './python-encoder.js';

/**
 * The planner, run by the host's Python on the problem's test snippets only (never on candidate code): it
 * parses each snippet with `ast`, turns every top-level `assert` of a judged form into `__probe(k, expr)`,
 * and evaluates the expected literal with `ast.literal_eval` (no code runs), encoded as tagged data.
 */
const PLANNER = `${PYTHON_ENCODER}
import ast, json, sys

PROBE = ${JSON.stringify(PROBE)}
SINGLETONS = {'None': None, 'True': True, 'False': False}


def literal(node):
    try:
        return _lsp_encode(ast.literal_eval(node))
    except Exception:
        return None


def singleton(node):
    if isinstance(node, ast.Constant):
        for name, value in SINGLETONS.items():
            if node.value is value:
                return name
    return None


def check_of(src, st):
    source = ast.get_source_segment(src, st) or ast.unparse(st)
    check = {'source': source}
    if st.msg is not None:
        if not (isinstance(st.msg, ast.Constant) and isinstance(st.msg.value, str)):
            return None
        check['message'] = st.msg.value
    t = st.test
    if isinstance(t, ast.Compare):
        if len(t.ops) != 1:
            return None
        op, left, right = t.ops[0], t.left, t.comparators[0]
        if isinstance(op, (ast.Eq, ast.NotEq)):
            expr, expected = left, literal(right)
            if expected is None:
                expr, expected = right, literal(left)
            if expected is None:
                return None
            check.update(op='eq' if isinstance(op, ast.Eq) else 'ne', expected=expected)
            return expr, check
        if isinstance(op, (ast.Is, ast.IsNot)) and singleton(right):
            check.update(op='is' if isinstance(op, ast.Is) else 'is-not', singleton=singleton(right))
            return left, check
        return None
    if isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.Not):
        check['op'] = 'falsy'
        return t.operand, check
    check['op'] = 'truthy'
    return t, check


def plan(src):
    try:
        tree = ast.parse(src)
    except SyntaxError as e:
        return {'kind': 'forgeable', 'reason': 'does not parse: %s' % e.msg}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == PROBE:
            return {'kind': 'forgeable', 'reason': 'uses ' + PROBE}
    checks, body = [], []
    for st in tree.body:
        if isinstance(st, ast.Assert):
            found = check_of(src, st)
            if found is None:
                return {'kind': 'forgeable', 'reason': 'an assertion of another form: ' + (ast.get_source_segment(src, st) or '')}
            expr, check = found
            call = ast.Call(ast.Name(PROBE, ast.Load()), [ast.Constant(len(checks)), expr], [])
            body.append(ast.copy_location(ast.Expr(call), st))
            checks.append(check)
        else:
            body.append(st)
    if not checks:
        return {'kind': 'forgeable', 'reason': 'no assertion of a judged form'}
    tree.body = body
    ast.fix_missing_locations(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            return {'kind': 'forgeable', 'reason': 'an assertion inside other code'}
        if isinstance(node, ast.Compare):
            return {'kind': 'forgeable', 'reason': 'compares inside the sandbox: ' + ast.unparse(node)}
        if isinstance(node, ast.Match):
            return {'kind': 'forgeable', 'reason': 'a match statement compares inside the sandbox'}
    return {'kind': 'judged', 'code': ast.unparse(tree), 'checks': checks}


snippets = json.load(sys.stdin)
json.dump([plan(s) for s in snippets], sys.stdout)
`;

/**
 * Plans Python test snippets (see `planJsSnippet` for the TypeScript side), all in one run of the host's
 * Python. Judged forms, one per top-level `assert`: `assert expr == literal` (or `literal == expr`, `!=`),
 * `assert expr is None` / `is True` / `is False` (and `is not`), `assert not expr`, `assert expr`; other
 * statements may set things up, but nothing else may compare (`<`, `in`, `==` outside an assert, `match`).
 */
export async function planPythonSnippets(snippets: readonly string[], timeoutMs = 30_000): Promise<SnippetPlan[]> {
  if (snippets.length === 0) return [];
  const python = pythonRuntime();
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      python.command,
      ['-I', '-S', '-B', '-c', PLANNER],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 2 ** 20, env: {} },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`cannot read the Python tests: ${error.killed ? `no answer within ${timeoutMs} ms` : stderr.trim().split('\n').pop() ?? error.message}`));
        else resolve(stdout);
      },
    );
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(JSON.stringify(snippets));
  });
  const plans = JSON.parse(out) as (SnippetPlan | { kind: 'forgeable'; reason: string })[];
  return snippets.map((snippet, i) => {
    const p = plans[i]!;
    return p.kind === 'judged' ? p : { kind: 'forgeable', code: snippet, reason: p.reason };
  });
}
