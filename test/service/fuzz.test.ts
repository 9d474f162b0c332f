import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decode/sampling.js';
import { post, startService } from '../helpers/service.js';

const scratch = mkdtempSync(join(tmpdir(), 'lsp-codegen-fuzz-'));
const root = join(scratch, 'root');
mkdirSync(join(root, 'ws', 'src'), { recursive: true });
writeFileSync(join(root, 'ws', 'src', 'a.ts'), 'const value = { alpha: 1 };\nvalue.\n');
writeFileSync(join(root, 'ws', 'notes.txt'), 'plain text\n');
writeFileSync(join(scratch, 'secret.ts'), 'export const secret = "do-not-read";\n');
symlinkSync(join(scratch, 'secret.ts'), join(root, 'ws', 'src', 'link.ts'));
symlinkSync(scratch, join(root, 'ws', 'out'));
symlinkSync('/etc', join(root, 'etc'));
const WS = join(root, 'ws');

const BODY_LIMIT = 64 * 1024;

/** A request that is valid: each case below breaks exactly what it names. */
const VALID = { workspace: WS, file: 'src/a.ts', position: { line: 1, character: 6 }, max_tokens: 4 };

type Case = { what: string; body: string; contentType?: string; path?: string; method?: string };

/** Values of the wrong type or out of range for each field (never a value the schema accepts). */
const WRONG: Record<string, unknown[]> = {
  model: [1, true, [], {}, '', 'gpt-4', 'x'.repeat(5000)],
  prompt: [1, true, {}, [], [1], [null], ['a', 2], Array(9).fill('a')],
  suffix: [1, true, {}, ['a']],
  max_tokens: [0, -1, 1.5, '16', 1e308, 2 ** 53, 1001, true, [], {}, null],
  temperature: [-0.1, 2.5, '0', 1e308, -1e308, true, [], null],
  top_p: [0, -1, 1.01, 'x', [], null],
  stop: [1, [1], ['a', 'b', 'c', 'd', 'e'], [''], '', 'x'.repeat(65), {}],
  seed: [1.5, 'x', 2 ** 60, -(2 ** 60), true, []],
  n: [0, 9, -1, 1.5, '2', null, 1e6],
  stream: ['yes', 1, null, []],
  stream_options: [1, 'x', { include_usage: 'yes' }, { other: true }],
  echo: [true, 1],
  logprobs: [1, 5, true],
  best_of: [2, 0],
  presence_penalty: [0.5, 'x'],
  frequency_penalty: [1, -1],
  user: [1, {}, 'u'.repeat(300)],
  workspace: [1, '', 'relative/ws', '/', '/etc', '/tmp', `${WS}/../..`, join(root, 'etc'), join(WS, 'out'), join(root, 'missing'), '\u0000', 'x'.repeat(5000)],
  file: [1, '', '/etc/passwd', '../../../../etc/passwd', 'src/link.ts', 'out/secret.ts', 'src/missing.ts', 'src', 'notes.txt\u0000.ts', join(scratch, 'secret.ts')],
  position: [1, 'x', [], {}, { line: 0 }, { line: -1, character: 0 }, { line: 0, character: -1 }, { line: 1.5, character: 0 }, { line: 1e308, character: 0 }, { line: 99999, character: 0 }, { line: 1, character: 9999 }, { line: 0, character: 0, extra: 1 }],
  text: [1, true, [], {}],
  monitors: ['yes', 1, null, ['calls'], ['deref', 'deref'], [1], 'all'],
  stop_mode: ['lines', 1, null, ''],
};

function cases(random: () => number): Case[] {
  const out: Case[] = [];
  const json = (what: string, body: unknown) => out.push({ what, body: JSON.stringify(body) });
  // Wrong types, huge numbers and out-of-range values, field by field, on both kinds of request.
  for (const [field, values] of Object.entries(WRONG)) {
    for (const v of values) {
      json(`${field}=${JSON.stringify(v)?.slice(0, 40)} (document)`, { ...VALID, [field]: v });
      json(`${field}=${JSON.stringify(v)?.slice(0, 40)} (plain)`, { prompt: 'x', max_tokens: 1, [field]: v });
    }
  }
  // Random mixes of one to three broken fields.
  const fields = Object.keys(WRONG);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  for (let i = 0; i < 300; i++) {
    const body: Record<string, unknown> = random() < 0.5 ? { ...VALID } : { prompt: 'x', max_tokens: 1 };
    for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
      const field = pick(fields);
      body[field] = pick(WRONG[field]!);
    }
    json(`mix ${i}: ${JSON.stringify(body).slice(0, 80)}`, body);
  }
  // Requests that break a rule between fields.
  json('prompt with a workspace', { ...VALID, prompt: 'x' });
  json('suffix with a workspace', { ...VALID, suffix: 'x' });
  json('file without a workspace', { prompt: 'x', file: 'src/a.ts' });
  json('position without a workspace', { prompt: 'x', position: { line: 0, character: 0 } });
  json('workspace without a file', { workspace: WS, position: { line: 0, character: 0 } });
  json('workspace without a position', { workspace: WS, file: 'src/a.ts' });
  json('monitors on a file no server knows', { ...VALID, file: 'notes.txt', position: { line: 0, character: 0 }, monitors: true });
  json('nothing', {});
  // Unknown fields, with random names.
  for (let i = 0; i < 60; i++) json(`unknown field ${i}`, { ...VALID, [`f${Math.floor(random() * 1e9).toString(36)}`]: i });
  // Not JSON, or not an object.
  const junk = ['', '{', '}', '{"prompt":', '{"prompt":"x",}', "{'prompt':'x'}", '{"prompt": NaN}', '{"prompt":"x","max_tokens":NaN}', '{"max_tokens": Infinity}', '[]', 'null', '0', '"x"', 'true', '{"prompt":"x"}garbage', '\u0000\u0001\u0002'];
  for (const body of junk) out.push({ what: `junk ${JSON.stringify(body)}`, body });
  for (let i = 0; i < 200; i++) {
    // Random bytes, and valid requests cut at a random point.
    const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
    out.push({ what: `random bytes ${i}`, body: bytes.toString('latin1') });
    const valid = JSON.stringify({ ...VALID, text: 'const value = { alpha: 1 };\nvalue.\n' });
    out.push({ what: `truncated ${i}`, body: valid.slice(0, Math.floor(random() * (valid.length - 1))) });
  }
  // Deep nesting, oversized bodies, wrong content types, wrong routes and methods.
  out.push({ what: 'deep nesting', body: '['.repeat(20_000) + ']'.repeat(20_000) });
  out.push({ what: 'deep object', body: '{"prompt":"x","stop":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + '}' });
  for (const size of [BODY_LIMIT + 1, 4 * BODY_LIMIT, 32 * BODY_LIMIT]) out.push({ what: `oversized ${size}`, body: JSON.stringify({ prompt: 'x'.repeat(size) }) });
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'image/png']) {
    out.push({ what: `content type ${contentType}`, body: JSON.stringify({ prompt: 'x' }), contentType });
  }
  for (const path of ['/v1/completion', '/v1/chat/completions', '/v2/completions', '/../etc/passwd', '/v1/completions/../../etc', '/%00', '/v1/models/x']) {
    out.push({ what: `route ${path}`, body: JSON.stringify({ prompt: 'x' }), path });
  }
  for (const method of ['PUT', 'DELETE', 'PATCH']) out.push({ what: `method ${method}`, body: JSON.stringify({ prompt: 'x' }), method });
  // The plan route too.
  const problem = { language: 'python', prompt: 'def f():\n', entryPoint: 'f', publicTests: ['assert f() == 1'] };
  for (const [field, v] of [['strategy', 'mcts'], ['budget', 0], ['budget', 1e9], ['max_tokens', 901], ['seed', -1], ['time_limit_ms', 0], ['workspace', '/etc'], ['extra', 1]] as const) {
    out.push({ what: `plan ${field}`, body: JSON.stringify({ problem, [field]: v }), path: '/v1/plan' });
  }
  for (const broken of [{ ...problem, language: 'cobol' }, { ...problem, publicTests: [] }, { ...problem, publicTests: [1] }, { ...problem, prompt: '' }, { ...problem, entryPoint: '' }, { ...problem, path: '../../x.py' }, {}]) {
    out.push({ what: `plan problem ${JSON.stringify(broken).slice(0, 60)}`, body: JSON.stringify({ problem: broken, ...(broken.path ? { workspace: WS } : {}) }), path: '/v1/plan' });
  }
  return out;
}

/** Sends a body at one byte per `everyMs` on a raw socket; resolves with the status line the server answers. */
function slowBody(url: string, everyMs: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const body = JSON.stringify({ prompt: 'x', max_tokens: 1 });
    let answer = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < body.length && !socket.destroyed) socket.write(body[i++]!);
    }, everyMs);
    socket.on('connect', () => socket.write(`POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`));
    socket.on('data', (d) => (answer += d));
    socket.on('close', () => {
      clearInterval(timer);
      resolve(answer.split('\r\n')[0] ?? '');
    });
    socket.on('error', (e) => {
      clearInterval(timer);
      if (answer) resolve(answer.split('\r\n')[0]!);
      else reject(e);
    });
    setTimeout(() => socket.destroy(), 60_000);
  });
}

describe('fuzzing the service with malformed and hostile requests (real service, real model)', () => {
  let s: Awaited<ReturnType<typeof startService>>;
  beforeAll(async () => {
    s = await startService({ workspaceRoots: [root], bodyLimitBytes: BODY_LIMIT, bodyTimeoutMs: 1000, maxConcurrency: 2, queue: 4 });
  });
  afterAll(async () => {
    await s.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers every one of more than 1,000 of them with a 4xx, never leaks a file outside the root, and stays healthy', async () => {
    const all = cases(seededRandom(2024));
    expect(all.length).toBeGreaterThanOrEqual(1000);
    const failures: string[] = [];
    for (let i = 0; i < all.length; i += 16) {
      await Promise.all(
        all.slice(i, i + 16).map(async (c) => {
          const res = await fetch(`${s.url}${c.path ?? '/v1/completions'}`, { method: c.method ?? 'POST', headers: { 'content-type': c.contentType ?? 'application/json' }, body: c.body });
          const text = await res.text();
          if (res.status < 400 || res.status >= 500) failures.push(`${c.what}: ${res.status} ${text.slice(0, 200)}`);
          if (text.includes('do-not-read') || text.includes('root:x:')) failures.push(`${c.what}: leaked a file: ${text.slice(0, 200)}`);
          if (/at .*\.js:\d+/.test(text)) failures.push(`${c.what}: stack trace: ${text.slice(0, 200)}`);
        }),
      );
    }
    expect(failures).toEqual([]);
    // Slow bodies are cut off by the body timeout (408), not left holding connections.
    const slow = await Promise.all(Array.from({ length: 4 }, () => slowBody(s.url, 400)));
    for (const line of slow) expect(line).toMatch(/^HTTP\/1\.1 408/);
    // Healthy afterwards: a valid request is served, nothing is left running.
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const ok = await post(`${s.url}/v1/completions`, VALID);
    expect(ok.status).toBe(200);
    expect(ok.json.choices[0].text).toMatch(/^alpha/);
    expect(s.service.limiter.active).toBe(0);
    expect(s.service.limiter.waiting).toBe(0);
  });
});

