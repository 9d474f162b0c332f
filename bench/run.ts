import { cpus, totalmem } from 'node:os';
import { Engine } from '../src/engine/engine.js';
import { benchEvalBatching } from './eval.js';
import { benchJudge } from './judge.js';
import { benchLsp } from './lsp.js';
import { benchMasks, benchMgd } from './mgd.js';
import { benchModel } from './model.js';
import { benchMonitors } from './monitors.js';
import { benchPlanning } from './planning.js';
import { benchService } from './service.js';
import type { BenchRow } from './stats.js';

function table(title: string, rows: readonly BenchRow[]): string {
  const lines = [`### ${title}`, '', '| metric | value | baseline (same run) | ratio |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.metric} | ${r.value} | ${r.baseline ?? ''} | ${r.ratio ?? ''} |`);
  return lines.join('\n');
}

/** The parts of `npm run bench`, each a list of tables; `npm run bench -- NAME` runs one. */
const PARTS: Record<string, (engine: Engine) => Promise<[string, BenchRow[]][]>> = {
  model: async (e) => [['Model runtime (code-lm-19m, ONNX Runtime CPU)', await benchModel(e)]],
  mgd: async (e) => [
    ['Monitor masks (vocabulary trie vs a naive scan of the vocabulary)', await benchMasks(e)],
    ['Monitor-guided decoding on the fixture sites (same model, same run)', await benchMgd(e)],
  ],
  monitors: async (e) => [['Every monitor on the fixture sites of every kind (all monitors vs none, same run)', await benchMonitors(e)]],
  planning: async (e) => [['Planning on the fixture problems (same program budget, same run)', await benchPlanning(e)]],
  lsp: async () => [['Language servers (member query on the fixture projects)', await benchLsp()]],
  judge: async () => [['Judging test runs (the 40 reference programs, same run)', await benchJudge()]],
  eval: async () => [['`eval run --parallel N`: generations batched through the model (same run)', await benchEvalBatching()]],
  service: async () => [['The HTTP service on loopback (`lsp-codegen serve`, real model and language server)', await benchService()]],
};

async function main(): Promise<void> {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const only = process.argv[2];
  if (only !== undefined && !(only in PARTS)) throw new Error(`unknown part "${only}" (${Object.keys(PARTS).join(', ')})`);
  process.stdout.write(`Machine: ${machine}\nDate: ${new Date().toISOString().slice(0, 10)}\n\n`);
  for (const [name, part] of Object.entries(PARTS)) {
    if (only && only !== name) continue;
    const engine = await Engine.load(); // a fresh session per part
    try {
      for (const [title, rows] of await part(engine)) process.stdout.write(table(title, rows) + '\n\n');
    } finally {
      await engine.dispose();
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
