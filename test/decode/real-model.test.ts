import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { generate } from '../../src/decode/generate.js';
import type { LogitsProcessor } from '../../src/decode/logits-processor.js';
import { topIndices } from '../../src/decode/sampling.js';

const engine = Engine.load({ intraOpThreads: 1 });

const TS_PREFIX = `import { readFileSync } from 'node:fs';

export class Cart {
  private items = new Map<string, number>();

  add(name: string, qty: number): void {
`;

describe('decoding with the real model', () => {
  it('greedy decoding is deterministic', async () => {
    const e = await engine;
    const a = await e.complete({ prefix: TS_PREFIX, path: 'src/cart.ts', maxTokens: 40 });
    const b = await e.complete({ prefix: TS_PREFIX, path: 'src/cart.ts', maxTokens: 40 });
    expect(a.completion).toBe(b.completion);
    expect(a.tokens).toBe(40);
    expect(a.finishReason).toBe('length');
    expect(a.completion.trim().length).toBeGreaterThan(0);
  });

  it('seeded sampling is reproducible, and different seeds differ', async () => {
    const e = await engine;
    const run = (seed: number) => e.complete({ prefix: TS_PREFIX, path: 'src/cart.ts', maxTokens: 30, temperature: 1.2, seed });
    const a = await run(1);
    expect((await run(1)).completion).toBe(a.completion);
    expect(a.seed).toBe(1);
    const others = await Promise.all([2, 3, 4].map(run));
    expect(others.some((o) => o.completion !== a.completion)).toBe(true);
  });

  it('top-k and top-p restrict the sampled tokens to the allowed support', async () => {
    const e = await engine;
    const prompt = e.prompt({ prefix: TS_PREFIX, path: 'src/cart.ts' }, 40).ids;
    // Records each step's processed logits (the warpers run after the chain).
    const steps: Float32Array[] = [];
    const record: LogitsProcessor = { process: (_s, l) => void steps.push(Float32Array.from(l)) };
    for (const seed of [1, 2, 3]) {
      steps.length = 0;
      const out = await generate(e.model, e.tokenizer.vocab, prompt, { maxTokens: 30, eosIds: e.eosIds, temperature: 1.5, topK: 3, seed, processors: [record] });
      out.ids.forEach((id, i) => expect(topIndices(steps[i]!, 3)).toContain(id));
    }
    for (const seed of [1, 2, 3]) {
      steps.length = 0;
      const out = await generate(e.model, e.tokenizer.vocab, prompt, { maxTokens: 30, eosIds: e.eosIds, temperature: 1, topP: 0.5, seed, processors: [record] });
      out.ids.forEach((id, i) => {
        const l = steps[i]!;
        let max = -Infinity;
        for (const x of l) max = Math.max(max, x);
        let z = 0;
        for (const x of l) z += Math.exp(x - max);
        // Mass of tokens strictly likelier than the chosen one must be below p.
        let above = 0;
        for (const x of l) if (x > l[id]!) above += Math.exp(x - max) / z;
        expect(above).toBeLessThan(0.5);
      });
    }
  });

  it('line mode stops at the end of the line', async () => {
    const e = await engine;
    const out = await e.complete({ prefix: TS_PREFIX + '    const total = ', path: 'src/cart.ts', maxTokens: 60, stopMode: 'line' });
    expect(out.finishReason).toBe('stop');
    expect(out.completion).not.toContain('\n');
  });

  it('statement mode stops after the statement', async () => {
    const e = await engine;
    const out = await e.complete({ prefix: TS_PREFIX + '    ', path: 'src/cart.ts', maxTokens: 80, stopMode: 'statement' });
    expect(out.finishReason).toBe('stop');
    expect(out.completion.trimEnd()).toMatch(/[;})]$/);
    expect(out.completion.trim().split('\n').length).toBeLessThanOrEqual(out.completion.includes('{') ? 20 : 3);
  });

  it('block mode stops when the enclosing block closes (TypeScript braces)', async () => {
    const e = await engine;
    const out = await e.complete({ prefix: TS_PREFIX, path: 'src/cart.ts', maxTokens: 200, stopMode: 'block', repetitionPenalty: 1.1 });
    expect(out.finishReason).toBe('stop');
    const c = out.completion;
    expect(c.trimEnd().endsWith('}')).toBe(true);
    const opens = [...c].filter((ch) => ch === '{').length;
    const closes = [...c].filter((ch) => ch === '}').length;
    expect(closes - opens).toBe(1);
  });

  it('block mode stops at the dedent (Python)', async () => {
    const e = await engine;
    const prefix = 'import os\n\n\ndef list_python_files(root):\n    """Return every .py file below root."""\n';
    const out = await e.complete({ prefix, path: 'tools/files.py', maxTokens: 200, stopMode: 'block', repetitionPenalty: 1.1 });
    expect(out.finishReason).toBe('stop');
    const lines = out.completion.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.startsWith('    ') || l.startsWith('\t')).toBe(true);
  });

  it('fills in the middle when a suffix is given', async () => {
    const e = await engine;
    const out = await e.complete({
      prefix: 'export function add(a: number, b: number): number {\n  return ',
      suffix: ';\n}\n',
      path: 'src/math.ts',
      maxTokens: 20,
    });
    expect(out.prompt.fim).toBe(true);
    expect(out.finishReason).toBe('eos');
    expect(out.completion.length).toBeGreaterThan(0);
  });

  it('beam search returns the best of its beams', async () => {
    const e = await engine;
    const out = await e.complete({ prefix: TS_PREFIX + '    this.items.', path: 'src/cart.ts', maxTokens: 12, beams: 3, stopMode: 'line' });
    expect(out.completion.length).toBeGreaterThan(0);
    expect(out.completion).not.toContain('\n');
  });
});
