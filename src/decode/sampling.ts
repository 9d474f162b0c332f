/** Seeded pseudo-random numbers in [0, 1) (mulberry32): the same seed gives the same draws on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of the largest value (the first on ties); -1 when every value is -Infinity or NaN. */
export function argmax(values: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Indices of the `k` largest finite values, largest first (ties: lower index first). */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  if (k <= 0) return [];
  if (k > 256) {
    // Wide windows: one sort beats insertion.
    const all: number[] = [];
    for (let i = 0; i < values.length; i++) if (values[i]! > -Infinity) all.push(i);
    return all.sort((a, b) => values[b]! - values[a]! || a - b).slice(0, k);
  }
  // A sorted window of the best k seen so far; the vocabulary is scanned once.
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v > -Infinity)) continue;
    if (idx.length === k && v <= values[idx[k - 1]!]!) continue;
    let pos = idx.length === k ? k - 1 : idx.length;
    if (idx.length === k) idx.pop();
    while (pos > 0 && values[idx[pos - 1]!]! < v) pos--;
    idx.splice(pos, 0, i);
  }
  return idx;
}

/** Keeps only the `k` largest logits (others set to -Infinity). */
export function applyTopK(logits: Float32Array, k: number): void {
  if (k <= 0 || k >= logits.length) return;
  const keep = topIndices(logits, k);
  if (keep.length < k) return;
  const threshold = logits[keep[k - 1]!]!;
  let kept = 0;
  for (let i = 0; i < logits.length; i++) {
    // Keep exactly k: values equal to the threshold are kept in index order until k are kept.
    if (logits[i]! > threshold) kept++;
  }
  let ties = k - kept;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (v > threshold) continue;
    if (v === threshold && ties > 0) {
      ties--;
      continue;
    }
    logits[i] = -Infinity;
  }
}

/** Divides logits by `temperature` (> 0). */
export function applyTemperature(logits: Float32Array, temperature: number): void {
  if (temperature === 1) return;
  for (let i = 0; i < logits.length; i++) logits[i]! /= temperature;
}

/** Softmax probabilities of `logits` (-Infinity → 0). */
export function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  const p = new Float64Array(logits.length);
  if (max === -Infinity) return p;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i]! - max);
    p[i] = e;
    sum += e;
  }
  for (let i = 0; i < p.length; i++) p[i]! /= sum;
  return p;
}

/** Natural-log softmax of `logits` into a new array. */
export function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  const out = new Float64Array(logits.length);
  if (max === -Infinity) return out.fill(-Infinity);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const logZ = max + Math.log(sum);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - logZ;
  return out;
}

/**
 * Nucleus filtering: keeps the smallest set of most likely tokens whose probability reaches `p`. Candidates are
 * found with a widening top-k window, so a peaked distribution costs one vocabulary scan, not a sort.
 */
export function applyTopP(logits: Float32Array, p: number): void {
  if (p >= 1) return;
  const probs = softmax(logits);
  let k = 64;
  for (;;) {
    const order = topIndices(logits, Math.min(k, logits.length));
    let mass = 0;
    let keep = order.length;
    for (let i = 0; i < order.length; i++) {
      mass += probs[order[i]!]!;
      if (mass >= p) {
        keep = i + 1;
        break;
      }
    }
    if (mass >= p || order.length < k || k >= logits.length) {
      const kept = new Set(order.slice(0, Math.max(1, keep)));
      for (let i = 0; i < logits.length; i++) if (!kept.has(i)) logits[i] = -Infinity;
      return;
    }
    k *= 4;
  }
}

/** Draws an index with probability softmax(logits); -1 when nothing is allowed. */
export function sampleIndex(logits: Float32Array, random: () => number): number {
  const probs = softmax(logits);
  let r = random();
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    const q = probs[i]!;
    if (q <= 0) continue;
    last = i;
    r -= q;
    if (r < 0) return i;
  }
  return last; // rounding left a sliver: the last allowed token
}
