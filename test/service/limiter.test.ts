import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, QueueFull } from '../../src/service/limiter.js';

describe('ConcurrencyLimiter', () => {
  it('runs up to the limit, queues in arrival order, refuses beyond the queue', async () => {
    const limiter = new ConcurrencyLimiter(2, 2);
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const order: string[] = [];
    const c = limiter.acquire().then((r) => (order.push('c'), r));
    const d = limiter.acquire().then((r) => (order.push('d'), r));
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(2);
    await expect(limiter.acquire()).rejects.toBeInstanceOf(QueueFull);
    a();
    a(); // a second release of the same slot does nothing
    const releaseC = await c;
    expect(limiter.waiting).toBe(1);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    expect(limiter.active).toBe(0);
  });

  it('a waiter whose client leaves is taken out of the queue at once', async () => {
    const limiter = new ConcurrencyLimiter(1, 1);
    const running = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(limiter.waiting).toBe(0);
    const next = limiter.acquire();
    running();
    (await next)();
    expect(limiter.active).toBe(0);
    await expect(limiter.acquire(AbortSignal.abort(new Error('already gone')))).rejects.toThrow('already gone');
  });

  it('checks its limits', () => {
    expect(() => new ConcurrencyLimiter(0, 1)).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter(1, -1)).toThrow(RangeError);
  });
});
