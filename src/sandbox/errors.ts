/** Why the sandbox itself could not run a program (not: why the program failed). */
export type SandboxErrorCode = 'missing-tool' | 'setup-failed';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * How a sandboxed run ended. Open to extension (`(string & {})`) so adapters can add reasons.
 * - `exit`: the process ended by itself (any exit code);
 * - `timeout`: the wall-clock limit killed it;
 * - `memory`: it ran out of its memory cap;
 * - `cpu`: it used up its CPU-time limit;
 * - `output-limit`: it printed more than the cap and was killed;
 * - `signal`: another signal killed it.
 */
export type RunEnd = 'exit' | 'timeout' | 'memory' | 'cpu' | 'output-limit' | 'signal' | (string & Record<never, never>);
