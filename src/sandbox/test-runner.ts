import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Language } from '../lang/language.js';
import type { RunEnd } from './errors.js';
import { runSandboxed, type SandboxLimits } from './sandbox.js';

/** A candidate program and the tests to run against it. */
export interface TestProgram {
  readonly language: Language;
  /** The whole program (the prompt's signature plus the generated body). */
  readonly code: string;
  /**
   * Tests, each a snippet of assertion code run with the program's top-level names in scope: TypeScript /
   * JavaScript with node's `assert` (`assert.deepStrictEqual(f(1), 2)`), Python with `assert` statements.
   */
  readonly tests: readonly string[];
}

export type TestStatus = 'pass' | 'fail' | 'error' | 'timeout';

export interface TestOutcome {
  readonly status: TestStatus;
  readonly message?: string;
}

export interface TestRunResult {
  readonly tests: readonly TestOutcome[];
  readonly passed: number;
  /** passed / tests (0 for no tests). */
  readonly passRate: number;
  /** How the sandboxed process ended. */
  readonly end: RunEnd;
  /** The program did not compile or load: every test failed with this. */
  readonly loadError?: string;
  readonly durationMs: number;
}

const require = createRequire(import.meta.url);
let ts: typeof import('typescript5') | undefined;

/** TS → JS without type checking (TypeScript 5's `transpileModule`; TypeScript 7 has no in-process API). */
function transpile(code: string): { js: string; error?: string } {
  ts ??= require('typescript5') as typeof import('typescript5');
  const out = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, strict: false },
    reportDiagnostics: true,
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts!.DiagnosticCategory.Error);
  if (errors.length) {
    const first = errors[0]!;
    const where = first.file && first.start !== undefined ? first.file.getLineAndCharacterOfPosition(first.start) : undefined;
    return { js: '', error: `syntax error${where ? ` at ${where.line + 1}:${where.character + 1}` : ''}: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}` };
  }
  return { js: out.outputText };
}

function nodeHarness(nonce: string, tests: readonly string[]): string {
  return `
const NONCE = ${JSON.stringify(nonce)};
const out = process.stdout;
const report = (r) => out.write('\\n' + NONCE + JSON.stringify(r) + '\\n');
const assert = require('node:assert');
let mod;
try { mod = require('/work/candidate.js'); } catch (e) { report({ load: String((e && e.stack) || e).slice(0, 1000) }); process.exit(0); }
const TESTS = ${JSON.stringify(tests)};
const names = Object.keys(mod);
(async () => {
  for (let i = 0; i < TESTS.length; i++) {
    try {
      const fn = new Function('assert', ...names, 'return (async () => {\\n' + TESTS[i] + '\\n})();');
      await fn(assert, ...names.map((n) => mod[n]));
      report({ i, status: 'pass' });
    } catch (e) {
      const status = e instanceof assert.AssertionError ? 'fail' : 'error';
      report({ i, status, message: String((e && e.message) || e).slice(0, 500) });
    }
  }
  report({ done: true });
  process.exit(0);
})();
`;
}

function pythonHarness(nonce: string, tests: readonly string[]): string {
  return `
import sys, json
NONCE = ${JSON.stringify(nonce)}
_out = sys.__stdout__
def report(r):
    _out.write("\\n" + NONCE + json.dumps(r) + "\\n")
    _out.flush()
_BLOCKED = ("os.system", "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "subprocess.Popen", "ctypes.dlopen", "os.kill", "os.killpg", "pty.spawn")
def _hook(event, args):
    if event.startswith(_BLOCKED):
        raise PermissionError("sandbox: " + event + " is not allowed")
sys.addaudithook(_hook)
import importlib.util
try:
    _spec = importlib.util.spec_from_file_location("candidate", "/work/candidate.py")
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
except BaseException as e:
    report({"load": (type(e).__name__ + ": " + str(e))[:1000]})
    sys.exit(0)
TESTS = json.loads(${JSON.stringify(JSON.stringify(tests))})
for i, test in enumerate(TESTS):
    ns = dict(vars(_mod))
    try:
        exec(test, ns)
        report({"i": i, "status": "pass"})
    except AssertionError as e:
        report({"i": i, "status": "fail", "message": repr(e)[:500]})
    except BaseException as e:
        report({"i": i, "status": "error", "message": (type(e).__name__ + ": " + str(e))[:500]})
report({"done": True})
`;
}

/**
 * Runs a program's tests in the sandbox, one process for all tests of the program. The harness comes in on
 * standard input and tags its report lines with a per-run nonce, so what the program itself prints is never
 * taken for a result. Tests that never reported count as `timeout` when the run was killed for time, else
 * `error` (the program exited, crashed or ran out of memory).
 */
export async function runTests(program: TestProgram, limits: SandboxLimits = {}): Promise<TestRunResult> {
  const started = performance.now();
  const n = program.tests.length;
  const fail = (loadError: string, end: RunEnd = 'exit'): TestRunResult => ({
    tests: program.tests.map(() => ({ status: 'error', message: loadError })),
    passed: 0,
    passRate: 0,
    end,
    loadError,
    durationMs: Math.round(performance.now() - started),
  });
  const nonce = `@@lsp-codegen-${randomBytes(12).toString('hex')}@@`;
  let job;
  if (program.language === 'python') {
    job = {
      files: { 'candidate.py': program.code },
      command: ['python3', '-I', '-S', '-B', '-'],
      stdin: pythonHarness(nonce, program.tests),
    };
  } else {
    const { js, error } = program.language === 'typescript' ? transpile(program.code) : { js: program.code };
    if (error) return fail(error);
    const heapMb = Math.max(64, Math.floor((limits.memoryMb ?? 1024) * 0.75));
    job = {
      reservedMb: 2048, // V8's up-front virtual reservations; the heap is capped by --max-old-space-size
      files: { 'candidate.js': js },
      command: [
        process.execPath,
        '--no-warnings',
        '--experimental-permission',
        '--allow-fs-read=/work',
        '--allow-fs-write=/work',
        `--max-old-space-size=${heapMb}`,
        '-',
      ],
      stdin: nodeHarness(nonce, program.tests),
    };
  }
  const run = await runSandboxed({ ...limits, ...job });
  const outcomes: (TestOutcome | undefined)[] = new Array(n).fill(undefined);
  let loadError: string | undefined;
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith(nonce)) continue;
    let r: { i?: number; status?: TestStatus; message?: string; load?: string };
    try {
      r = JSON.parse(line.slice(nonce.length)) as typeof r;
    } catch {
      continue;
    }
    if (r.load !== undefined) loadError = r.load;
    else if (typeof r.i === 'number' && r.i >= 0 && r.i < n && r.status) {
      outcomes[r.i] = r.message === undefined ? { status: r.status } : { status: r.status, message: r.message };
    }
  }
  if (loadError !== undefined) return fail(loadError, run.end);
  const missing: TestOutcome =
    run.end === 'timeout'
      ? { status: 'timeout', message: 'the run exceeded its time limit' }
      : { status: 'error', message: `the program ended before this test (${run.end}${run.exitCode !== null ? `, exit ${run.exitCode}` : ''})` };
  const tests = outcomes.map((o) => o ?? missing);
  const passed = tests.filter((t) => t.status === 'pass').length;
  return { tests, passed, passRate: n ? passed / n : 0, end: run.end, durationMs: Math.round(performance.now() - started) };
}
