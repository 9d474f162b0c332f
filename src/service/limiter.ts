/** Why a request could not get a slot. */
export class QueueFull extends Error {
  override readonly name = 'QueueFull';
}

interface Waiter {
  readonly grant: (release: () => void) => void;
  readonly refuse: (reason: unknown) => void;
}

/**
 * At most `maxConcurrency` requests run at once; up to `maxQueue` more wait in arrival order; beyond that a
 * request is refused at once (`QueueFull`: the service answers 429 with `Retry-After`). A waiter whose signal
 * aborts (its client went away) leaves the queue. Pure bookkeeping: no timers, no IO.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly maxConcurrency: number,
    readonly maxQueue: number,
  ) {
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) throw new RangeError(`max concurrency must be a positive integer, got ${maxConcurrency}`);
    if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError(`queue must be a non-negative integer, got ${maxQueue}`);
  }

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** A slot: resolves with its release function (call it exactly once; later calls do nothing). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.maxConcurrency) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new QueueFull(`the service is busy: ${this.running} requests running and ${this.queue.length} waiting`));
    }
    return new Promise((grant, refuse) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          grant(release);
        },
        refuse,
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        refuse(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.grant(this.releaser());
      else this.running--;
    };
  }
}
