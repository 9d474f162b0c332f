import { readFileSync } from 'node:fs';
import { loadProblem } from '../planning/problem.js';
import { runTests, type TestRunResult } from '../sandbox/test-runner.js';
import { COMMON_OPTIONS, millisecondsFlag, parse, UsageError } from './args.js';

export const RUN_TESTS_USAGE = `lsp-codegen run-tests --problem FILE[#ID] --solution FILE [options]

Runs a program against a problem's public and hidden tests in the sandbox (bubblewrap, no network,
read-only file system, memory/CPU/process/output caps, wall-clock timeout). The solution file is the
whole program, or only the body to append to the problem's prompt (--body).

  --problem FILE[#ID]   problems file (JSON Lines) and problem id
  --solution FILE       the program (or body) to test
  --body                the solution is the body after the prompt
  --timeout MS          wall-clock limit per run (default 5000)
  --json                print { id, public, hidden } with per-test outcomes
  --verbose             stack traces on errors`;

const OPTIONS = {
  problem: { type: 'string' },
  solution: { type: 'string' },
  body: { type: 'boolean' },
  timeout: { type: 'string' },
  ...COMMON_OPTIONS,
} as const;

function summary(name: string, r: TestRunResult): string {
  const forgeable = r.forgeable ? `; ${r.forgeable} forgeable (decided inside the sandbox, marked *)` : '';
  const lines = [`${name}: ${r.passed}/${r.tests.length} passed${forgeable}${r.loadError ? ` (does not load: ${r.loadError.split('\n')[0]})` : ''}`];
  r.tests.forEach((t, i) => {
    if (t.status !== 'pass' || t.forgeable) lines.push(`  #${i + 1}${t.forgeable ? '*' : ''} ${t.status}${t.message ? `: ${t.message.split('\n')[0]}` : ''}`);
  });
  return lines.join('\n');
}

export async function runTestsCommand(argv: string[], out: (text: string) => void): Promise<void> {
  const { values } = parse(argv, OPTIONS);
  if (values.help) return out(RUN_TESTS_USAGE);
  if (!values.problem) throw new UsageError('--problem FILE[#ID] is required');
  if (!values.solution) throw new UsageError('--solution FILE is required');
  const timeoutMs = millisecondsFlag(values, 'timeout', 100);
  const problem = loadProblem(values.problem);
  let source: string;
  try {
    source = readFileSync(values.solution, 'utf8');
  } catch {
    throw new Error(`solution file not found: ${values.solution}`);
  }
  const code = values.body ? problem.prompt + source : source;
  const [pub, hidden] = await Promise.all([
    runTests({ language: problem.language, code, tests: problem.publicTests }, { timeoutMs }),
    runTests({ language: problem.language, code, tests: problem.hiddenTests }, { timeoutMs }),
  ]);
  if (values.json) {
    const view = (r: TestRunResult) => ({ passed: r.passed, total: r.tests.length, forgeable: r.forgeable, end: r.end, ...(r.loadError ? { loadError: r.loadError } : {}), tests: r.tests });
    out(JSON.stringify({ id: problem.id, public: view(pub), hidden: view(hidden) }, null, 2));
  } else {
    out(`${problem.id}\n${summary('public', pub)}\n${summary('hidden', hidden)}`);
  }
}
