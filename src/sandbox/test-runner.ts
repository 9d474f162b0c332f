import { createRequire } from 'node:module';
import type { SnippetPlan } from '../judge/plan.js';
import { planJsSnippet } from '../judge/snippets-js.js';
import { planPythonSnippets } from '../judge/snippets-python.js';
import { judgeTest, readChannel, type TestOutcome } from '../judge/verdict.js';
import type { Language } from '../lang/language.js';
import { SandboxError, type RunEnd } from './errors.js';
import { nodeHarness, pythonHarness } from './harness.js';
import { nodeRuntime, pythonRuntime } from './runtimes.js';
import { runSandboxed, type SandboxJob, type SandboxLimits, type SandboxRun } from './sandbox.js';

export type { TestOutcome, TestStatus } from '../judge/verdict.js';

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

export interface TestRunResult {
  readonly tests: readonly TestOutcome[];
  readonly passed: number;
  /** passed / tests (0 for no tests). */
  readonly passRate: number;
  /** Tests whose outcome the sandbox decided (snippets of a form the judge cannot parse): see `TestOutcome.forgeable`. */
  readonly forgeable: number;
  /** How the sandboxed process ended (the worse of two runs when judged and forgeable tests ran apart). */
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

const plans = new Map<string, SnippetPlan>();
const PLAN_CACHE_LIMIT = 5000;

/**
 * How each test snippet is run and judged (see `judge/plan.ts`). Plans are cached per language and snippet
 * (planning repeats for every candidate of a problem); Python snippets not yet planned go to one run of the
 * host's Python.
 */
export async function planTests(language: Language, tests: readonly string[]): Promise<SnippetPlan[]> {
  const key = (t: string) => `${language}\0${t}`;
  const missing = [...new Set(tests.filter((t) => !plans.has(key(t))))];
  if (missing.length) {
    const fresh = language === 'python' ? await planPythonSnippets(missing) : missing.map(planJsSnippet);
    if (plans.size + missing.length > PLAN_CACHE_LIMIT) plans.clear();
    missing.forEach((t, i) => plans.set(key(t), fresh[i]!));
  }
  return tests.map((t) => plans.get(key(t))!);
}

/** The sandbox job that runs `plans` against a program (already transpiled for TS). */
function job(language: Language, code: string, plans: readonly SnippetPlan[], limits: SandboxLimits): SandboxJob {
  if (language === 'python') {
    const python = pythonRuntime();
    return {
      ...limits,
      files: { 'candidate.py': code },
      command: [python.command, '-I', '-S', '-B', '-'],
      readOnlyPaths: python.mounts,
      stdin: pythonHarness(plans),
      channel: true,
    };
  }
  const node = nodeRuntime();
  const heapMb = Math.max(64, Math.floor((limits.memoryMb ?? 1024) * 0.75));
  return {
    ...limits,
    reservedMb: 2048, // V8's up-front virtual reservations; the heap is capped by --max-old-space-size
    files: { 'candidate.js': code },
    command: [node.command, '--no-warnings', '--experimental-permission', '--allow-fs-read=/work', '--allow-fs-write=/work', `--max-old-space-size=${heapMb}`, '-'],
    readOnlyPaths: node.mounts,
    stdin: nodeHarness(plans),
    channel: true,
  };
}

const SEVERITY: readonly RunEnd[] = ['exit', 'signal', 'cpu', 'memory', 'output-limit', 'timeout'];
const worse = (a: RunEnd, b: RunEnd) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a);

/**
 * Runs a program's tests in the sandbox and judges them outside it. Snippets of the judged forms (see
 * `planPythonSnippets`, `planJsSnippet`) run in one process that only reports the values their assertions
 * would compare — the expected values never enter the sandbox — and the verdicts are computed here; the other
 * snippets run in a second process with their own assertions, and their outcomes are marked `forgeable`. The
 * harness reports on a pipe of its own, apart from what the program prints. Tests that never reported count as
 * `timeout` when the run was killed for time, else `error`.
 */
export async function runTests(program: TestProgram, limits: SandboxLimits = {}): Promise<TestRunResult> {
  const started = performance.now();
  return runPlannedTests(program, await planTests(program.language, program.tests), limits, started);
}

/** `runTests` with the snippets already planned (`planTests`), one plan per test of `program`. */
export async function runPlannedTests(
  program: TestProgram,
  plans: readonly SnippetPlan[],
  limits: SandboxLimits = {},
  started = performance.now(),
): Promise<TestRunResult> {
  const n = program.tests.length;
  if (plans.length !== n) throw new RangeError(`${plans.length} plans for ${n} tests`);
  const forgeable = plans.filter((p) => p.kind === 'forgeable').length;
  const result = (tests: TestOutcome[], end: RunEnd, loadError?: string): TestRunResult => {
    const passed = tests.filter((t) => t.status === 'pass').length;
    return {
      tests,
      passed,
      passRate: n ? passed / n : 0,
      forgeable,
      end,
      ...(loadError !== undefined ? { loadError } : {}),
      durationMs: Math.round(performance.now() - started),
    };
  };
  const failAll = (loadError: string, end: RunEnd) =>
    result(
      plans.map((p) => ({ status: 'error', message: loadError, ...(p.kind === 'forgeable' ? { forgeable: true as const } : {}) })),
      end,
      loadError,
    );
  let code = program.code;
  if (program.language === 'typescript') {
    const { js, error } = transpile(program.code);
    if (error) return failAll(error, 'exit');
    code = js;
  }
  // Judged and forgeable tests never share a process: a forgeable snippet's text (expected values included)
  // must not sit beside the judged ones.
  const indices = plans.map((_, i) => i);
  const groups = [indices.filter((i) => plans[i]!.kind === 'judged'), indices.filter((i) => plans[i]!.kind === 'forgeable')].filter((g) => g.length > 0);
  const runs = await Promise.all(groups.map((g) => runSandboxed(job(program.language, code, g.map((i) => plans[i]!), limits))));
  const outcomes: TestOutcome[] = new Array(n);
  let end: RunEnd = 'exit';
  let loadError: string | undefined;
  runs.forEach((run: SandboxRun, r) => {
    const report = readChannel(run.channel);
    if (report.setup !== undefined) throw new SandboxError('setup-failed', `the sandbox's harness failed: ${report.setup}`);
    end = worse(end, run.end);
    loadError ??= report.load;
    const missing: TestOutcome =
      run.end === 'timeout'
        ? { status: 'timeout', message: 'the run exceeded its time limit' }
        : { status: 'error', message: `the program ended before this test (${run.end}${run.exitCode !== null ? `, exit ${run.exitCode}` : ''})` };
    groups[r]!.forEach((testIndex, local) => {
      const plan = plans[testIndex]!;
      const judged = judgeTest(program.language === 'python' ? 'python' : 'js', plan, report.events.get(local) ?? []);
      outcomes[testIndex] = judged ?? (plan.kind === 'forgeable' ? { ...missing, forgeable: true } : missing);
    });
  });
  if (loadError !== undefined) return failAll(loadError, end);
  return result(outcomes, end);
}
