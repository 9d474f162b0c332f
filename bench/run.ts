import { cpus, totalmem } from 'node:os';
import { Engine } from '../src/engine/engine.js';
import { benchLsp } from './lsp.js';
import { benchMasks, benchMgd } from './mgd.js';
import { benchModel } from './model.js';
import { benchPlanning } from './planning.js';
import type { BenchRow } from './stats.js';

function table(title: string, rows: readonly BenchRow[]): string {
  const lines = [`### ${title}`, '', '| metric | value | baseline (same run) | ratio |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.metric} | ${r.value} | ${r.baseline ?? ''} | ${r.ratio ?? ''} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(`Machine: ${machine}\nDate: ${new Date().toISOString().slice(0, 10)}\n\n`);
  const only = process.argv[2];
  if (!only || only === 'model') {
    const engine = await Engine.load();
    try {
      process.stdout.write(table('Model runtime (code-lm-19m, ONNX Runtime CPU)', await benchModel(engine)) + '\n\n');
    } finally {
      await engine.dispose();
    }
  }
  if (!only || only === 'mgd') {
    const engine = await Engine.load();
    try {
      process.stdout.write(table('Monitor masks (vocabulary trie vs a naive scan of the vocabulary)', await benchMasks(engine)) + '\n\n');
      process.stdout.write(table('Monitor-guided decoding on the fixture sites (same model, same run)', await benchMgd(engine)) + '\n\n');
    } finally {
      await engine.dispose();
    }
  }
  if (!only || only === 'planning') {
    const engine = await Engine.load();
    try {
      process.stdout.write(table('Planning on the fixture problems (same program budget, same run)', await benchPlanning(engine)) + '\n\n');
    } finally {
      await engine.dispose();
    }
  }
  if (!only || only === 'lsp') {
    process.stdout.write(table('Language servers (member query on the fixture projects)', await benchLsp()) + '\n\n');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
