import { describe, expect, it } from 'vitest';
import { argmax } from '../../src/decode/sampling.js';
import { BatchingModel, type BatchedCache } from '../../src/model/batching-model.js';
import { KvCache } from '../../src/model/kv-cache.js';
import { sharedModel, sharedTokenizer } from '../helpers/model.js';

/** A one-row cache of `length` tokens whose every float says where it is (layer, part, head, token, dim). */
function tagged(length: number, seed: number): KvCache {
  const [layers, heads, dim] = [2, 2, 3];
  const block = (l: number, part: number) =>
    Float32Array.from({ length: heads * length * dim }, (_, i) => seed * 1e6 + l * 1e5 + part * 1e4 + i);
  return new KvCache(1, length, heads, dim, Array.from({ length: layers }, (_, l) => [block(l, 0), block(l, 1)] as const), new Uint8Array(length).fill(1), Int32Array.of(length));
}

describe('BatchingModel (cross-request batching)', () => {
  it('stacks one-row caches of different lengths with left padding, and gets each back exactly', () => {
    const rows = [tagged(3, 1), tagged(7, 2), tagged(1, 3)];
    const stacked = KvCache.stack(rows);
    expect(stacked.batch).toBe(3);
    expect(stacked.length).toBe(7);
    expect(Array.from(stacked.positions)).toEqual([3, 7, 1]);
    expect(Array.from(stacked.mask.subarray(0, 7))).toEqual([0, 0, 0, 0, 1, 1, 1]);
    rows.forEach((r, i) => {
      const back = stacked.unpaddedRow(i);
      expect(back.length).toBe(r.length);
      back.layers.forEach(([k, v], l) => {
        expect(Array.from(k)).toEqual(Array.from(r.layers[l]![0]));
        expect(Array.from(v)).toEqual(Array.from(r.layers[l]![1]));
      });
    });
    expect(() => KvCache.stack([stacked])).toThrow(/unpadded one-row/);
  });

  it('concurrent greedy generations get the logits they get alone, in shared forward passes (real model)', async () => {
    const model = await sharedModel();
    const tokenizer = sharedTokenizer();
    const batching = new BatchingModel(model);
    const prompts = ['export function add(a: number, b: number) {\n  return', 'def greet(name):\n    return', 'const xs = [1, 2, 3].map((x) =>', 'class Stack<T> {\n  private items: T[] = [];\n  push('].map((p) =>
      tokenizer.encode(p),
    );
    const STEPS = 16;
    // Alone: one generation at a time, on the model itself.
    const alone: Float32Array[][] = [];
    for (const ids of prompts) {
      let { logits, cache } = await model.forward([ids]);
      const rows: Float32Array[] = [];
      for (let s = 0; s < STEPS; s++) {
        rows.push(logits);
        ({ logits, cache } = await model.forward([[argmax(logits)]], cache));
      }
      alone.push(rows);
    }
    // Together: all four step at once through the batching model.
    const together = await Promise.all(
      prompts.map(async (ids) => {
        let { logits, cache } = (await batching.forward([ids])) as { logits: Float32Array; cache: BatchedCache };
        const rows: Float32Array[] = [];
        for (let s = 0; s < STEPS; s++) {
          rows.push(logits);
          ({ logits, cache } = await batching.forward([[argmax(logits)]], cache));
        }
        return rows;
      }),
    );
    for (let p = 0; p < prompts.length; p++) {
      for (let s = 0; s < STEPS; s++) {
        const [a, b] = [alone[p]![s]!, together[p]![s]!];
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
        expect(worst, `prompt ${p}, step ${s}`).toBeLessThan(1e-3);
        // The same choice, unless the two best are too close to call at this precision.
        const best = argmax(a);
        const runnerUp = Math.max(...Array.from(a).filter((_, i) => i !== best));
        if (a[best]! - runnerUp > 2e-3) expect(argmax(b)).toBe(best);
      }
    }
    expect(batching.stats.steps).toBe(prompts.length * STEPS);
    expect(batching.stats.batches).toBeLessThan(batching.stats.steps / 2); // most passes carried several steps
    expect(batching.stats.reused).toBeGreaterThan(0); // and a group that kept stepping was not copied again
  });
});
