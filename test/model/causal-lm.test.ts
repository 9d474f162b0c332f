import { describe, expect, it } from 'vitest';
import { sharedModel, trainingFile } from '../helpers/model.js';

interface Reference {
  prompt_ids: number[];
  last_logits: number[];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('CausalLM (real ONNX model)', () => {
  const ref = trainingFile<Reference>('reference_logits.json');
  const V = 16384;

  it('reads the spec from config.json', async () => {
    const model = await sharedModel();
    expect(model.spec).toMatchObject({ numLayers: 8, numKeyValueHeads: 2, headDim: 64, vocabSize: V, maxPositions: 1024 });
    expect(model.spec.eosTokenIds).toEqual([0]);
  });

  it("matches the reference logits of the model's training export within 1e-3", async () => {
    const model = await sharedModel();
    const { logits, cache } = await model.forward([ref.prompt_ids]);
    expect(maxAbsDiff(logits, ref.last_logits)).toBeLessThan(1e-3);
    expect(cache.rowLength(0)).toBe(ref.prompt_ids.length);
  });

  it('gives the same logits when the prompt is fed in two chunks through the KV cache', async () => {
    const model = await sharedModel();
    const ids = ref.prompt_ids;
    const first = await model.forward([ids.slice(0, 20)]);
    const second = await model.forward([ids.slice(20)], first.cache);
    expect(maxAbsDiff(second.logits, ref.last_logits)).toBeLessThan(1e-3);
    const chunked = await model.forward([ids], undefined, { prefillChunk: 7 });
    expect(maxAbsDiff(chunked.logits, ref.last_logits)).toBeLessThan(1e-3);
  });

  it('gives each row of a batch the logits it gets alone, rows of different lengths included', async () => {
    const model = await sharedModel();
    const rows = [ref.prompt_ids, ref.prompt_ids.slice(5, 19), ref.prompt_ids.slice(0, 3)];
    const batch = await model.forward(rows);
    const singles = await Promise.all(rows.map((r) => model.forward([r])));
    rows.forEach((_, r) => {
      expect(maxAbsDiff(batch.logits.subarray(r * V, (r + 1) * V), singles[r]!.logits)).toBeLessThan(1e-3);
    });
    // One more step for every row through the padded batch cache matches the single-row caches.
    const next = [[17], [42], [99]];
    const batchStep = await model.forward(next, batch.cache);
    for (let r = 0; r < rows.length; r++) {
      const single = await model.forward([next[r]!], singles[r]!.cache);
      expect(maxAbsDiff(batchStep.logits.subarray(r * V, (r + 1) * V), single.logits)).toBeLessThan(1e-3);
    }
  });

  it('forks rows of a cache (beam search) with selectRows', async () => {
    const model = await sharedModel();
    const a = await model.forward([ref.prompt_ids.slice(0, 10), ref.prompt_ids.slice(10, 30)]);
    const forked = a.cache.selectRows([1, 1, 0]);
    expect(forked.batch).toBe(3);
    const step = await model.forward([[5], [5], [5]], forked);
    expect(maxAbsDiff(step.logits.subarray(0, V), step.logits.subarray(V, 2 * V))).toBe(0);
    const alone = await model.forward([[5]], (await model.forward([ref.prompt_ids.slice(0, 10)])).cache);
    expect(maxAbsDiff(step.logits.subarray(2 * V), alone.logits)).toBeLessThan(1e-3);
  });

  it('refuses input that does not fit', async () => {
    const model = await sharedModel();
    await expect(model.forward([new Array(1025).fill(7)])).rejects.toThrow(/context window of 1024/);
    await expect(model.forward([[V + 3]])).rejects.toThrow(/outside the vocabulary/);
    await expect(model.forward([[]])).rejects.toThrow(/no tokens/);
  });
});
