import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine.js';
import { packageRoot } from '../src/engine/package-root.js';
import { fmt, median, percentile, type BenchRow } from './stats.js';

const WORKSPACE = join(packageRoot(), 'fixtures', 'ts-project');
const FILE = 'src/services/order-service.ts';

/** A `lsp-codegen serve` child process on a free loopback port, ready. */
async function startServe(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'src', 'cli', 'main.js'), 'serve', '--port', '0', '--workspace-root', WORKSPACE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
  child.on('exit', () => clearTimeout(killer));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr!.on('data', (d) => (out += d)); // said only if it fails to start
    child.stdout!.on('data', (d) => {
      out += d;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url && out.includes('serve: ready')) resolve({ url, child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before it was ready: ${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function complete(url: string, body: object): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { choices?: unknown };
  if (res.status !== 200 || !json.choices) throw new Error(`bench request failed: ${res.status} ${JSON.stringify(json)}`);
  return performance.now() - t;
}

/** 0-based line and UTF-16 character of `offset` in `text`. */
function position(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/**
 * A typing session: the body of `placeOrder` typed into the file character by character, one single-line
 * completion request per keystroke (what an editor sends after its debounce), with the unsaved buffer.
 */
function typingSession(): object[] {
  const original = readFileSync(join(WORKSPACE, FILE), 'utf8');
  const start = original.indexOf('    const order = new Order(');
  const end = original.indexOf('    return order;', start);
  const typed = original.slice(start, end);
  const requests: object[] = [];
  for (let i = 1; i <= typed.length; i++) {
    const text = original.slice(0, start) + typed.slice(0, i) + original.slice(end);
    requests.push({ workspace: WORKSPACE, file: FILE, text, position: position(text, start + i), max_tokens: 16, stop_mode: 'line' });
  }
  return requests;
}

/** Cursor positions in the middle of code lines of the fixture file: single-line completions. */
function loadRequests(monitors: boolean): object[] {
  const text = readFileSync(join(WORKSPACE, FILE), 'utf8');
  const out: object[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const code = line.trim();
    if (code.length > 12 && !code.startsWith('//') && !code.startsWith('*') && !code.startsWith('import')) {
      const at = offset + line.indexOf(code) + Math.floor(code.length / 2);
      out.push({ workspace: WORKSPACE, file: FILE, position: position(text, at), max_tokens: 16, stop_mode: 'line', monitors });
    }
    offset += line.length + 1;
  }
  return out;
}

/** `total` requests from `concurrency` clients, each sending its next one when the last is answered. */
async function load(url: string, requests: readonly object[], concurrency: number, total: number) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) latencies.push(await complete(url, requests[i % requests.length]!));
    }),
  );
  return { latencies, perSecond: (total / (performance.now() - t0)) * 1000 };
}

/**
 * Cross-request batching inside the engine, without HTTP: `concurrency` generations of 48 tokens at different
 * places of the fixture file at once, decoding tokens per second with batching on and off.
 */
async function benchBatching(): Promise<BenchRow[]> {
  const text = readFileSync(join(WORKSPACE, FILE), 'utf8');
  const requests = [300, 700, 1100, 1500, 900, 500, 1300, 1700].map((at) => ({ prefix: text.slice(0, at), path: FILE, maxTokens: 48 }));
  const rate: Record<string, number[]> = {};
  for (const batching of [false, true, false, true, false, true]) {
    const engine = await Engine.load({ batching });
    try {
      await engine.complete(requests[0]!);
      for (const concurrency of [4, 8]) {
        const t0 = performance.now();
        const results = await Promise.all(requests.slice(0, concurrency).map((r) => engine.complete(r)));
        // All tokens over the time until the last generation ended (prefills included).
        (rate[`${batching}/${concurrency}`] ??= []).push((results.reduce((sum, r) => sum + r.tokens, 0) / (performance.now() - t0)) * 1000);
      }
    } finally {
      await engine.dispose();
    }
  }
  return [4, 8].map((concurrency) => {
    const on = median(rate[`true/${concurrency}`]!);
    const off = median(rate[`false/${concurrency}`]!);
    return { metric: `engine, ${concurrency} concurrent generations of 48 tokens: tokens/s (median of 3)`, value: `batching on ${fmt(on)} tok/s`, baseline: `off ${fmt(off)} tok/s`, ratio: `${fmt(on / off, 2)}×` };
  });
}

export async function benchService(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [...(await benchBatching())];
  const session = typingSession();
  // Replayed typing session: prompt cache on (the default) against off, each on a fresh service.
  const typing: Record<string, number[]> = {};
  for (const [name, args] of [['on', []], ['off', ['--prompt-cache-mb', '0']]] as const) {
    const { url, child } = await startServe([...args, '--max-concurrency', '1']);
    try {
      await complete(url, session[0]!); // language server and model warm
      const lat: number[] = [];
      for (const body of session) lat.push(await complete(url, body));
      typing[name] = lat;
    } finally {
      await stop(child);
    }
  }
  const [on, off] = [typing['on']!, typing['off']!];
  rows.push({ metric: `typing replay, ${session.length} keystrokes: p50 latency per request, prompt cache on`, value: `${fmt(median(on))} ms`, baseline: `${fmt(median(off))} ms (cache off)`, ratio: `${fmt(median(off) / median(on), 2)}× faster` });
  rows.push({ metric: 'typing replay: p95 latency per request, prompt cache on', value: `${fmt(percentile(on, 95))} ms`, baseline: `${fmt(percentile(off, 95))} ms (cache off)`, ratio: `${fmt(percentile(off, 95) / percentile(on, 95), 2)}× faster` });

  // Loopback load: single-line completions from 1, 4 and 8 clients, with and without monitors, with
  // cross-request batching on (the default) and off.
  const throughput = new Map<string, number>();
  for (const batching of ['on', 'off'] as const) {
    const { url, child } = await startServe(['--max-concurrency', '8', '--queue', '64', '--batching', batching]);
    try {
      for (const monitors of [true, false]) {
        const requests = loadRequests(monitors);
        await load(url, requests, 2, 8); // warm
        for (const concurrency of [1, 4, 8]) {
          const r = await load(url, requests, concurrency, 48);
          const key = `${monitors}/${concurrency}`;
          const single = throughput.get(`${batching}/${monitors}/1`) ?? r.perSecond;
          throughput.set(`${batching}/${key}`, r.perSecond);
          rows.push({
            metric: `load, batching ${batching}, ${monitors ? 'monitors on' : 'monitors off'}, concurrency ${concurrency}: p50 / p95 latency, requests/s`,
            value: `${fmt(median(r.latencies))} / ${fmt(percentile(r.latencies, 95))} ms, ${fmt(r.perSecond, 2)}/s`,
            baseline: concurrency === 1 ? '' : `${fmt(single, 2)}/s at concurrency 1`,
            ratio: concurrency === 1 ? '' : `${fmt(r.perSecond / single, 2)}× throughput`,
          });
        }
      }
    } finally {
      await stop(child);
    }
  }
  for (const monitors of [true, false]) {
    for (const concurrency of [4, 8]) {
      const on = throughput.get(`on/${monitors}/${concurrency}`)!;
      const off = throughput.get(`off/${monitors}/${concurrency}`)!;
      rows.push({
        metric: `cross-request batching, ${monitors ? 'monitors on' : 'monitors off'}, concurrency ${concurrency}: requests/s`,
        value: `batching on ${fmt(on, 2)}/s`,
        baseline: `off ${fmt(off, 2)}/s`,
        ratio: `${fmt(on / off, 2)}×`,
      });
    }
  }
  return rows;
}
