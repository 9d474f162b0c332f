import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suffixStopIndex } from '../../src/decode/suffix-stop.js';
import { completeInDocument } from '../../src/engine/document-completion.js';
import { Engine } from '../../src/engine/engine.js';
import { defaultModelDir } from '../../src/engine/package-root.js';
import { readModelSpec } from '../../src/model/config.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { TS_PROJECT } from '../helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-fim-'));
const pool = new ServerPool({ idleMs: 0 });
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.load();
}, 120_000);
afterAll(async () => {
  await Promise.all([pool.dispose(), engine?.dispose()]);
  rmSync(tmp, { recursive: true, force: true });
});

/** A copy of the shipped model's config files with `patch` in its config.json (the weights are not needed to read it). */
function modelWith(patch: Record<string, unknown>): string {
  const dir = join(tmp, JSON.stringify(patch).replace(/\W/g, ''));
  cpSync(defaultModelDir(), dir, { recursive: true, filter: (src) => !src.endsWith('.onnx') });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...patch }));
  return dir;
}

describe('FIM policy per model', () => {
  it('a model’s generation config says whether its FIM serves an editor (`fim_usable`); the shipped model’s does not', () => {
    expect(readModelSpec(defaultModelDir()).fimUsable).toBe(false);
    expect(engine.format.fim).toBeDefined(); // it has the tokens…
    expect(engine.fimByDefault).toBe(false); // …but left to right is the default (measured: see the README's results)
    expect(readModelSpec(modelWith({ fim_usable: true })).fimUsable).toBe(false); // generation_config.json says false and wins
    const generation = join(tmp, 'gen');
    cpSync(defaultModelDir(), generation, { recursive: true, filter: (src) => !src.endsWith('.onnx') });
    writeFileSync(join(generation, 'generation_config.json'), JSON.stringify({ eos_token_id: 0, fim_usable: true }));
    expect(readModelSpec(generation).fimUsable).toBe(true);
    writeFileSync(join(generation, 'generation_config.json'), JSON.stringify({ eos_token_id: 0 }));
    expect(readModelSpec(generation).fimUsable).toBeUndefined();
    writeFileSync(join(generation, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(generation, 'config.json'), 'utf8')), fim_usable: 'yes' }));
    expect(() => readModelSpec(generation)).toThrow(/"fim_usable" must be true or false/);
  });

  it('mid-line, the default completes left to right and stops before writing again what follows the cursor', async () => {
    // src/index.ts line 7 as `  service.register();` — the cursor after `register(`, `);` after it.
    const file = join(TS_PROJECT, 'src', 'index.ts');
    const text = readFileSync(file, 'utf8').replace('service.register(alice);', 'service.register();');
    const offset = text.indexOf('service.register(') + 'service.register('.length;
    const base = { workspace: TS_PROJECT, file, text, offset, maxTokens: 24, stopMode: 'line' as const, monitor: false };
    const auto = await completeInDocument(engine, pool, base);
    expect(auto.prompt.fim).toBe(false);
    expect(auto.completion).not.toContain('\n');
    expect(auto.completion).not.toMatch(/\);$/);
    // What it wrote, followed by the text after the cursor, does not repeat that text's start: the stop held.
    expect(suffixStopIndex(auto.completion + '\n', text.slice(offset), 'typescript')).toBeUndefined();
    const fim = await completeInDocument(engine, pool, { ...base, fim: true });
    expect(fim.prompt.fim).toBe(true);
  }, 120_000);
});
