import { timerDelay } from './timer.js';

/**
 * `promise`'s value, or 'timeout' if it has not settled within `ms` (the promise keeps running; a rejection
 * that comes after the deadline is not reported as unhandled). The timer is always cleared.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timerDelay(ms));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
