import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { MODEL_DIR } from '../helpers/model.js';

const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the model directory with `change` applied (files are symlinked unless replaced). */
function modelVariant(name: string, change: (dir: string) => void): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) {
    copyFileSync(join(MODEL_DIR, f), join(dir, f));
  }
  symlinkSync(join(MODEL_DIR, 'onnx', 'model.onnx'), join(dir, 'onnx', 'model.onnx'));
  change(dir);
  return dir;
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

describe('lsp-codegen generate', () => {
  it('prints the completion as JSON with timings', async () => {
    const r = await runCli(['generate', '--prompt', 'export function add(a: number, b: number) {\n', '--path', 'src/math.ts', '--max-tokens', '16', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['completion', 'finishReason', 'timings', 'tokens']);
    expect(out.tokens).toBeGreaterThan(0);
    expect(out.tokens).toBeLessThanOrEqual(16);
    expect(out.timings.prefillMs).toBeGreaterThan(0);
    expect(out.timings.tokensPerSecond).toBeGreaterThan(0);
  });

  it('reads the prompt from standard input, and stops at the line end in line mode', async () => {
    const r = await runCli(['generate', '--path', 'a.py', '--stop-mode', 'line', '--max-tokens', '40'], 'import os\n\nfiles = os.listdir(');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd()).not.toContain('\n');
  });

  it('samples reproducibly with a seed and reports it', async () => {
    const args = ['generate', '--prompt', 'def main():\n', '--path', 'm.py', '--max-tokens', '20', '--temperature', '0.9', '--top-p', '0.95', '--seed', '7', '--json'];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect(JSON.parse(a.stdout).completion).toBe(JSON.parse(b.stdout).completion);
    expect(JSON.parse(a.stdout).seed).toBe(7);
  });

  it.each([
    [['generate', '--prompt', 'x', '--max-tokens', 'many'], /--max-tokens must be an integer/],
    [['generate', '--prompt', 'x', '--top-p', '1.5'], /--top-p must be a number between/],
    [['generate', '--prompt', 'x', '--stop-mode', 'paragraph'], /--stop-mode must be one of line, statement, block/],
    [['generate', '--prompt', 'x', '--bogus'], /Unknown option '--bogus'/],
    [['generate', '--prompt'], /argument missing|requires an argument|--prompt/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('usage error %j exits 2 with a message', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    noStack(r.stderr);
  });

  it('a missing model directory exits 1 with a clear message and no stack trace', async () => {
    const r = await runCli(['generate', '--prompt', 'x', '--model', join(tmp, 'nope')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/model directory not found: .*nope/);
    noStack(r.stderr);
  });

  it('a corrupt ONNX file exits 1 naming the file', async () => {
    const dir = modelVariant('corrupt', (d) => {
      rmSync(join(d, 'onnx', 'model.onnx'));
      writeFileSync(join(d, 'onnx', 'model.onnx'), 'this is not a protobuf');
    });
    const r = await runCli(['generate', '--prompt', 'x', '--model', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot load ONNX graph .*model\.onnx/);
    noStack(r.stderr);
    const verbose = await runCli(['generate', '--prompt', 'x', '--model', dir, '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('a config that does not match the graph exits 1 saying what differs', async () => {
    const layers = modelVariant('layers', (d) => {
      const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 6 }));
    });
    const r = await runCli(['generate', '--prompt', 'x', '--model', layers]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.json says 6 layers, the graph has 8/);
    const heads = modelVariant('heads', (d) => {
      const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, num_key_value_heads: 6 }));
    });
    expect((await runCli(['generate', '--prompt', 'x', '--model', heads])).stderr).toMatch(/6 key\/value heads, .* has 2/);
    const missing = modelVariant('no-tokenizer', (d) => rmSync(join(d, 'tokenizer.json')));
    const m = await runCli(['generate', '--prompt', 'x', '--model', missing]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/tokenizer.*tokenizer\.json/);
    const badJson = modelVariant('bad-json', (d) => writeFileSync(join(d, 'config.json'), '{ nope'));
    expect((await runCli(['generate', '--prompt', 'x', '--model', badJson])).stderr).toMatch(/model config is not a JSON object/);
  });
});
