#!/usr/bin/env node
import { UsageError } from './args.js';
import { interruptHandler } from './interrupt.js';
import { serveCommand, SERVE_USAGE } from './serve.js';
import { completeCommand, COMPLETE_USAGE } from './complete.js';
import { evalCommand, EVAL_USAGE } from './eval.js';
import { generateCommand, GENERATE_USAGE } from './generate.js';
import { membersCommand, MEMBERS_USAGE } from './members.js';
import { planCommand, PLAN_USAGE } from './plan.js';
import { runTestsCommand, RUN_TESTS_USAGE } from './run-tests.js';

const USAGE = `usage: lsp-codegen <command> [options]

commands:
  generate   complete code with the model (lsp-codegen generate --help)
  complete   complete code at a file position, guided by the language server (lsp-codegen complete --help)
  eval       evaluate monitor-guided decoding on a repository: build | run | report (lsp-codegen eval --help)
  plan       solve problems by planning over public tests, PG-TD or a baseline (lsp-codegen plan --help)
  run-tests  run a program against a problem's tests in the sandbox (lsp-codegen run-tests --help)
  members    type-valid members at a dereference point, from a language server (lsp-codegen members --help)
  serve      the headless HTTP API: OpenAI-compatible completions, planning, metrics (lsp-codegen serve --help)`;

type Command = (argv: string[], out: (text: string) => void) => Promise<void>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  generate: { run: generateCommand, usage: GENERATE_USAGE },
  members: { run: membersCommand, usage: MEMBERS_USAGE },
  complete: { run: completeCommand, usage: COMPLETE_USAGE },
  'run-tests': { run: runTestsCommand, usage: RUN_TESTS_USAGE },
  plan: { run: planCommand, usage: PLAN_USAGE },
  eval: { run: evalCommand, usage: EVAL_USAGE },
  serve: { run: serveCommand, usage: SERVE_USAGE },
};

/** Runs the CLI; returns the exit code (0 ok, 1 runtime error, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`lsp-codegen: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  const verbose = rest.includes('--verbose');
  try {
    await command.run(rest, out);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`lsp-codegen ${name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`lsp-codegen ${name}: ${err.message}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/**
 * Exits once what was written has been flushed: nothing left behind (an idle timer, a language server that is
 * still shutting down) may keep the command from ending.
 */
function exit(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// An interrupt ends the command through process.exit, so that its exit hooks run: sandboxed runs are killed,
// temporary folders removed, an evaluation's lock released.
// A command may take over the first interrupt (`serve` shuts down gracefully); a second one exits at once.
let interrupted = false;
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
  process.on(signal, () => {
    const graceful = interruptHandler();
    if (graceful && !interrupted) {
      interrupted = true;
      process.stderr.write(`lsp-codegen: ${signal}: shutting down (again to stop at once)\n`);
      graceful(signal).then(exit, (e: unknown) => {
        process.stderr.write(`lsp-codegen: shutdown failed: ${(e as Error).message}\n`);
        exit(1);
      });
      return;
    }
    process.stderr.write(`lsp-codegen: interrupted (${signal})\n`);
    process.exit(128 + number);
  });
}

main(process.argv.slice(2)).then(exit, (e: unknown) => {
  process.stderr.write(`lsp-codegen: ${(e as Error).message}\n`);
  exit(1);
});
