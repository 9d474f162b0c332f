/**
 * What a long-running command does on SIGINT/SIGTERM/SIGHUP instead of the CLI's immediate exit: `serve` shuts
 * down gracefully. The handler resolves with the exit code; a second signal exits at once.
 */
let handler: ((signal: NodeJS.Signals) => Promise<number>) | undefined;

export function onInterrupt(h: ((signal: NodeJS.Signals) => Promise<number>) | undefined): void {
  handler = h;
}

export function interruptHandler(): ((signal: NodeJS.Signals) => Promise<number>) | undefined {
  return handler;
}
