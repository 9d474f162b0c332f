import { generate } from '../src/decode/generate.js';
import { weightsReadPerToken } from '../src/model/config.js';
import type { Engine } from '../src/engine/engine.js';
import { fmt, median, timeRuns, type BenchRow } from './stats.js';

const CODE = `import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Item { name: string; price: number; qty: number }

export class Cart {
  private readonly items = new Map<string, Item>();

  add(item: Item): void {
    const existing = this.items.get(item.name);
    if (existing) existing.qty += item.qty;
    else this.items.set(item.name, { ...item });
  }

  total(): number {
    let sum = 0;
    for (const item of this.items.values()) sum += item.price * item.qty;
    return sum;
  }
`;

/** Memory-copy bandwidth in bytes/s: median over repeated copies of a `bytes`-sized buffer. */
function copyBandwidth(bytes: number, runs = 7): number {
  const a = Buffer.alloc(bytes, 1);
  const b = Buffer.alloc(bytes);
  a.copy(b); // touch every page first
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    a.copy(b);
    times.push(performance.now() - t);
  }
  return bytes / (median(times) / 1000);
}

/** Greedy single-stream and batch-4 decoding speed, prefill speed, and the memory-bandwidth bound. */
export async function benchModel(engine: Engine): Promise<BenchRow[]> {
  const { model, tokenizer } = engine;
  const vocab = tokenizer.vocab;
  const prompt = tokenizer.encode(`<|file_sep|>src/cart.ts\n${CODE}`);
  const NEW = 128;
  const RUNS = 7;
  // No end-of-sequence: every run decodes exactly NEW tokens.
  const decodeOnce = () => generate(model, vocab, prompt, { maxTokens: NEW, eosIds: [] });
  const single = await timeRuns(RUNS, 2, async () => {
    const r = await decodeOnce();
    if (r.ids.length !== NEW) throw new Error('decode stopped early');
    return r;
  });
  const decodeMs: number[] = [];
  for (let i = 0; i < RUNS; i++) decodeMs.push((await decodeOnce()).decodeMs);
  const singleTps = NEW / (median(decodeMs) / 1000);

  const longPrompt = tokenizer.encode(`<|file_sep|>src/cart.ts\n${CODE.repeat(6)}`).slice(0, 768);
  const prefill = await timeRuns(RUNS, 1, () => model.forward([longPrompt]));
  const prefillTps = longPrompt.length / (median(prefill) / 1000);

  const B = 4;
  const batchRun = async () => {
    let { logits, cache } = await model.forward(Array.from({ length: B }, () => prompt));
    for (let step = 0; step < NEW; step++) {
      const next: number[][] = [];
      for (let r = 0; r < B; r++) {
        let best = 0;
        const row = logits.subarray(r * model.vocabSize, (r + 1) * model.vocabSize);
        for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
        next.push([best]);
      }
      ({ logits, cache } = await model.forward(next, cache));
    }
  };
  const prefillB = median(await timeRuns(3, 0, () => model.forward(Array.from({ length: B }, () => prompt))));
  const batch = await timeRuns(3, 1, batchRun);
  const batchTps = (B * NEW) / ((median(batch) - prefillB) / 1000);

  const bytesPerToken = weightsReadPerToken(model.spec) * 4; // float32 weights at run time
  const dram = copyBandwidth(512 * 2 ** 20);
  const cacheSized = copyBandwidth(Math.ceil(bytesPerToken));
  const bound = dram / bytesPerToken;
  const cacheBound = cacheSized / bytesPerToken;
  return [
    { metric: `greedy decode, 1 stream (${NEW} tokens after ${prompt.length})`, value: `${fmt(singleTps)} tok/s`, baseline: `bound ${fmt(bound)} tok/s`, ratio: `${fmt((100 * singleTps) / bound, 0)} %` },
    { metric: 'greedy decode vs a cache-resident copy bound', value: `${fmt(singleTps)} tok/s`, baseline: `bound ${fmt(cacheBound)} tok/s`, ratio: `${fmt((100 * singleTps) / cacheBound, 0)} %` },
    { metric: `whole generate() call, ${NEW} tokens`, value: `${fmt(median(single), 0)} ms` },
    { metric: `prefill (${longPrompt.length} tokens, one pass)`, value: `${fmt(prefillTps, 0)} tok/s`, baseline: `${fmt(median(prefill))} ms` },
    { metric: `batch-${B} greedy decode throughput`, value: `${fmt(batchTps)} tok/s`, baseline: `1 stream ${fmt(singleTps)} tok/s`, ratio: `${fmt(batchTps / singleTps, 2)}×` },
    { metric: 'weights read per token (float32)', value: `${fmt(bytesPerToken / 2 ** 20)} MiB` },
    { metric: 'memory-copy bandwidth, 512 MiB buffer (DRAM)', value: `${fmt(dram / 1e9, 2)} GB/s` },
    { metric: `memory-copy bandwidth, ${fmt(bytesPerToken / 2 ** 20, 0)} MiB buffer (weights-sized)`, value: `${fmt(cacheSized / 1e9, 2)} GB/s` },
  ];
}
