import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptCache } from '../../src/decode/prompt-cache.js';
import { Engine } from '../../src/engine/engine.js';
import { TS_PROJECT } from '../helpers/fixtures.js';

describe('PromptCache (real model)', () => {
  let plain: Engine;
  let cached: Engine;
  beforeAll(async () => {
    [plain, cached] = await Promise.all([Engine.load({ intraOpThreads: 1 }), Engine.load({ intraOpThreads: 1, promptCacheMb: 64 })]);
  });
  afterAll(() => Promise.all([plain.dispose(), cached.dispose()]));

  it('gives exactly the output of a full prefill on a replayed typing session, with token healing and with FIM', async () => {
    const text = readFileSync(join(TS_PROJECT, 'src/services/order-service.ts'), 'utf8');
    let compared = 0;
    for (const fim of [false, true]) {
      for (let cursor = 600; cursor < 1400; cursor += 37) {
        const request = { prefix: text.slice(0, cursor), suffix: fim ? text.slice(cursor) : undefined, path: 'src/services/order-service.ts', maxTokens: 8, stopMode: 'line' as const };
        const [a, b] = [await plain.complete(request), await cached.complete(request)];
        expect(b.completion, `cursor ${cursor}, fim ${fim}`).toBe(a.completion);
        expect(b.prompt).toEqual(a.prompt);
        compared++;
      }
    }
    const stats = cached.promptCache!.stats;
    expect(compared).toBeGreaterThan(40);
    expect(stats.hits).toBeGreaterThan(compared * 0.9);
    // Typing forward, nearly the whole prompt comes from the cache.
    expect(stats.reusedTokens).toBeGreaterThan(stats.prefilledTokens);
  });

  it('serves an exact repeat without the model and hands out a copy of the logits', async () => {
    const cache = new PromptCache(plain.model, 64 * 2 ** 20);
    const ids = plain.tokenizer.encode('export function add(a: number, b: number) {\n  return');
    const first = await cache.forward([ids]);
    first.logits.fill(0); // a processor masks in place: the cached logits must not change
    const again = await cache.forward([ids]);
    const fresh = await plain.model.forward([ids]);
    expect(Array.from(again.logits.subarray(0, 50))).toEqual(Array.from(fresh.logits.subarray(0, 50)));
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, reusedTokens: ids.length });
  });

  it('stays within its memory bound, dropping the least recently used prompts', async () => {
    const perToken = plain.model.spec.numLayers * 2 * plain.model.spec.numKeyValueHeads * plain.model.spec.headDim * 4;
    const bound = 300 * perToken;
    const cache = new PromptCache(plain.model, bound);
    // Prompts that share no first token, so nothing of one can be reused for another.
    const prompts = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((w) => plain.tokenizer.encode(`${w} = [${'1, '.repeat(40)}];\n`));
    expect(new Set(prompts.map((p) => p[0])).size).toBe(prompts.length);
    for (const ids of prompts) await cache.forward([ids]);
    expect(cache.size).toBeLessThanOrEqual(bound);
    expect(cache.size).toBeGreaterThan(0);
    // The newest is kept (an exact repeat is a hit); the oldest was dropped (a miss).
    await cache.forward([prompts.at(-1)!]);
    expect(cache.stats.hits).toBe(1);
    await cache.forward([prompts[0]!]);
    expect(cache.stats.misses).toBe(prompts.length + 1);
  });
});
