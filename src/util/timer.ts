/**
 * The longest delay a Node.js timer keeps: 2^31 − 1 ms (about 24.8 days). A longer one silently becomes 1 ms,
 * so every user-given time limit is checked (CLI) or clamped (library) against it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` clamped to what a timer can wait. */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}
