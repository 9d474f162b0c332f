import { describe, expect, it } from 'vitest';
import {
  applyTopK,
  applyTopP,
  argmax,
  sampleIndex,
  seededRandom,
  softmax,
  topIndices,
} from '../../src/decode/sampling.js';

describe('sampling primitives', () => {
  it('argmax takes the first of equal maxima and -1 when all are masked', () => {
    expect(argmax(Float32Array.of(1, 3, 3, 2))).toBe(1);
    expect(argmax(Float32Array.of(-Infinity, -Infinity))).toBe(-1);
  });

  it('topIndices returns the k largest, largest first, for narrow and wide windows', () => {
    const v = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const sorted = [...v.keys()].sort((a, b) => v[b]! - v[a]! || a - b);
    expect(topIndices(v, 5)).toEqual(sorted.slice(0, 5));
    expect(topIndices(v, 300)).toEqual(sorted.slice(0, 300));
    expect(topIndices(Float32Array.of(-Infinity, 1), 3)).toEqual([1]);
  });

  it('top-k keeps exactly k tokens', () => {
    const l = Float32Array.of(5, 1, 4, 4, 3, 0);
    applyTopK(l, 3);
    expect([...l].map((x) => x > -Infinity)).toEqual([true, false, true, true, false, false]);
  });

  it('top-p keeps the smallest likeliest set reaching p', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const l = Float32Array.from(probs, Math.log);
    applyTopP(l, 0.79);
    expect([...l].map((x) => x > -Infinity)).toEqual([true, true, false, false]);
    const m = Float32Array.from(probs, Math.log);
    applyTopP(m, 0.81);
    expect([...m].map((x) => x > -Infinity)).toEqual([true, true, true, false]);
    const flat = new Float32Array(5000); // widening window: a flat distribution needs many candidates
    applyTopP(flat, 0.4999);
    expect(flat.filter((x) => x > -Infinity).length).toBe(2500);
  });

  it('seeded draws repeat and follow the distribution', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const seqA = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(seqA);
    expect(new Set(seqA).size).toBe(20);
    const logits = Float32Array.from([0.7, 0.2, 0.1], Math.log);
    const r = seededRandom(7);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sampleIndex(logits, r)]!++;
    expect(counts[0]! / 20000).toBeCloseTo(0.7, 1);
    expect(counts[2]! / 20000).toBeCloseTo(0.1, 1);
    expect(sampleIndex(Float32Array.of(-Infinity, 0, -Infinity), r)).toBe(1);
    expect(sampleIndex(Float32Array.of(-Infinity), r)).toBe(-1);
    expect(softmax(Float32Array.of(0, 0)).reduce((s, x) => s + x, 0)).toBeCloseTo(1);
  });
});
