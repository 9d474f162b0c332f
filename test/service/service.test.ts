import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PY_PROJECT, TS_PROJECT } from '../helpers/fixtures.js';
import { loadingTsgo } from '../helpers/servers.js';
import { metric, post, sseEvents, startService } from '../helpers/service.js';

const SITE = { workspace: TS_PROJECT, file: 'src/services/order-service.ts', position: { line: 36, character: 13 } };

describe('lsp-codegen service (real model, real language servers, HTTP on loopback)', () => {
  let s: Awaited<ReturnType<typeof startService>>;
  // Scratch workspaces live in a root of their own, outside the fixtures other tests read.
  const scratch = mkdtempSync(join(tmpdir(), 'lsp-codegen-service-'));
  // A generous per-trigger budget: the tests look at what the server says, not at how fast it says it.
  beforeAll(async () => {
    s = await startService({ workspaceRoots: [TS_PROJECT, PY_PROJECT, scratch], budgetMs: 20_000, warmupMs: 120_000 });
  });
  afterAll(async () => {
    await s.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers health, readiness, models and metrics', async () => {
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${s.url}/readyz`)).json()).toEqual({ status: 'ready', model: 'code-lm-19m' });
    expect(await (await fetch(`${s.url}/v1/models`)).json()).toMatchObject({ object: 'list', data: [{ id: 'code-lm-19m', object: 'model' }] });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    for (const name of ['lsp_codegen_http_requests_total', 'lsp_codegen_queue_depth', 'lsp_codegen_tokens_generated_total', 'lsp_codegen_prompt_cache_hits']) {
      expect(metrics).toContain(`# TYPE ${name}`);
    }
    expect(metric(metrics, 'lsp_codegen_http_requests_total', { route: '/healthz', status: '200' })).toBe(1);
  });

  it('completes a plain prompt in the OpenAI response shape, and streams the same text as SSE ending in [DONE]', async () => {
    const request = { model: 'code-lm-19m', prompt: 'function add(a: number, b: number): number {\n  return', max_tokens: 24, stop: ['\n}'] };
    const plain = await post(`${s.url}/v1/completions`, request);
    expect(plain.status).toBe(200);
    expect(plain.json).toMatchObject({
      id: expect.stringMatching(/^cmpl-/),
      object: 'text_completion',
      created: expect.any(Number),
      model: 'code-lm-19m',
      choices: [{ text: expect.any(String), index: 0, logprobs: null, finish_reason: expect.stringMatching(/^(stop|length)$/) }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    expect(plain.json.choices[0].text).toContain('a + b');
    expect(plain.json.monitor).toBeUndefined();

    const streamed = await post(`${s.url}/v1/completions`, { ...request, stream: true, stream_options: { include_usage: true } });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(streamed.text);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -2) as any[];
    expect(chunks.length).toBeGreaterThan(2); // token by token, not one block
    for (const c of chunks) expect(c).toMatchObject({ id: chunks[0].id, object: 'text_completion', model: 'code-lm-19m', choices: [{ index: 0, logprobs: null }] });
    expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    expect(chunks.at(-1).choices[0].finish_reason).toBe(plain.json.choices[0].finish_reason);
    expect(chunks.map((c) => c.choices[0].text).join('')).toBe(plain.json.choices[0].text);
    expect(events.at(-2)).toMatchObject({ choices: [], usage: plain.json.usage });

    // With a suffix, the shipped model (FIM not usable) writes left to right and stops before the suffix's text.
    const filled = await post(`${s.url}/v1/completions`, { model: 'code-lm-19m', prompt: 'function add(a: number, b: number): number {\n  return a + ', suffix: ';\n}\n', max_tokens: 16 });
    expect(filled.status).toBe(200);
    const middle = filled.json.choices[0].text as string;
    expect(middle.length).toBeGreaterThan(0);
    expect(middle).not.toContain(';');
    expect(filled.json.choices[0].finish_reason).toBe('stop');
  });

  it('completes at a dereference in a workspace file (TypeScript and Python): the member is one the language server lists; off, the monitor reports nothing', async () => {
    const guided = await post(`${s.url}/v1/completions`, { ...SITE, max_tokens: 24 });
    expect(guided.status).toBe(200);
    const { monitor } = guided.json;
    expect(monitor).toMatchObject({ enabled: true, ready: true, degraded: false });
    expect(monitor.triggers.length).toBeGreaterThan(0);
    const text = readFileSync(join(TS_PROJECT, SITE.file), 'utf8');
    const lines = text.split('\n');
    const offset = lines.slice(0, 36).reduce((n, l) => n + l.length + 1, 0) + 13;
    const listed = await s.service.pool.members(TS_PROJECT, { file: join(TS_PROJECT, SITE.file), text, offset });
    const member = /^\w+/.exec(guided.json.choices[0].text)![0];
    expect(listed.members.map((m) => m.name)).toContain(member);
    expect(monitor.triggers[0]).toMatchObject({ chosen: member, degraded: false });

    // Python, with pyright.
    const pyFile = join(PY_PROJECT, 'shop/service.py');
    const pyText = readFileSync(pyFile, 'utf8');
    const pyOffset = pyText.indexOf('customer.entity_id)') + 'customer.'.length;
    const pyLine = pyText.slice(0, pyOffset).split('\n').length - 1;
    const pyCharacter = pyOffset - (pyText.lastIndexOf('\n', pyOffset - 1) + 1);
    const py = await post(`${s.url}/v1/completions`, { workspace: PY_PROJECT, file: 'shop/service.py', position: { line: pyLine, character: pyCharacter }, max_tokens: 16 });
    expect(py.status).toBe(200);
    expect(py.json.monitor).toMatchObject({ enabled: true, degraded: false });
    const pyListed = await s.service.pool.members(PY_PROJECT, { file: pyFile, text: pyText, offset: pyOffset });
    expect(pyListed.members.map((m) => m.name)).toContain(/^\w+/.exec(py.json.choices[0].text)![0]);

    const free = await post(`${s.url}/v1/completions`, { ...SITE, max_tokens: 24, monitors: false });
    expect(free.status).toBe(200);
    expect(free.json.monitor).toMatchObject({ enabled: false, triggers: [] });

    // A chosen set of monitors: `customer.address(` is vetoed by `call`, allowed with `deref` alone.
    const derefOnly = await post(`${s.url}/v1/completions`, { ...SITE, max_tokens: 16, monitors: ['deref'] });
    expect(derefOnly.status).toBe(200);
    expect(derefOnly.json.monitor.triggers.map((t: { monitor: string }) => t.monitor)).toEqual(['deref']);
    const withCall = await post(`${s.url}/v1/completions`, { ...SITE, max_tokens: 16, monitors: ['deref', 'call'] });
    expect(withCall.status).toBe(200);
    expect(withCall.json.monitor.triggers.map((t: { monitor: string }) => t.monitor)).toContain('call');
  });

  it('8 concurrent requests — different files, and one file with different unsaved buffers — each get the answer for their own text', async () => {
    const dir = mkdtempSync(join(scratch, 'concurrent-'));
    try {
      const requests = Array.from({ length: 8 }, (_, k) => {
        const name = `field${k}_${['alpha', 'beta', 'gamma', 'delta'][k % 4]}`;
        // Four files, each asked twice with a buffer of its own (what the editor has, not what is on disk).
        const file = join(dir, `f${k % 4}.ts`);
        writeFileSync(file, 'export {};\n');
        const text = `const value = { ${name}: 1 };\nexport const x = value.`;
        return { name, body: { workspace: dir, file, text, position: { line: 1, character: 23 }, max_tokens: 32, stop_mode: 'line' } };
      });
      const answers = await Promise.all(requests.map((r) => post(`${s.url}/v1/completions`, r.body)));
      answers.forEach((a, k) => {
        expect(a.status).toBe(200);
        expect(a.json.monitor.degraded).toBe(false);
        expect(a.json.choices[0].text, JSON.stringify(a.json)).toMatch(new RegExp(`^${requests[k]!.name}`));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses files outside the workspace roots with 403, also through a symbolic link, and says which field is wrong', async () => {
    const dir = mkdtempSync(join(scratch, 'links-'));
    try {
      symlinkSync('/etc/passwd', join(dir, 'passwd.ts'));
      symlinkSync('/etc', join(dir, 'etc'));
      const cases = [
        { workspace: '/etc', file: 'passwd', position: { line: 0, character: 0 } },
        { workspace: TS_PROJECT, file: '../../../../etc/passwd', position: { line: 0, character: 0 } },
        { workspace: dir, file: 'passwd.ts', position: { line: 0, character: 0 } },
        { workspace: join(dir, 'etc'), file: 'passwd', position: { line: 0, character: 0 } },
        { workspace: TS_PROJECT, file: '/etc/passwd', position: { line: 0, character: 0 }, text: 'x' },
      ];
      for (const body of cases) {
        const r = await post(`${s.url}/v1/completions`, body);
        expect(r.status, JSON.stringify(body)).toBe(403);
        expect(r.json.error).toMatchObject({ type: 'permission_error', param: expect.stringMatching(/^(workspace|file)$/) });
        expect(r.text).not.toContain('root:');
      }
      const bad = await post(`${s.url}/v1/completions`, { ...SITE, position: { line: 0, character: 9999 } });
      expect(bad.status).toBe(400);
      expect(bad.json.error.param).toBe('position');
      const unknown = await post(`${s.url}/v1/completions`, { prompt: 'x', temprature: 0.2 });
      expect(unknown.status).toBe(400);
      expect(unknown.json.error.message).toMatch(/temprature/);
      const missing = await post(`${s.url}/v1/completions`, { ...SITE, file: 'src/nope.ts' });
      expect(missing.status).toBe(404);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plans a problem given inline, streaming progress and the result', async () => {
    const problem = {
      language: 'python',
      prompt: 'def add(a, b):\n    """Return the sum of a and b."""\n',
      entryPoint: 'add',
      publicTests: ['assert add(1, 2) == 3', 'assert add(-1, 1) == 0'],
      hiddenTests: ['assert add(10, 5) == 15'],
    };
    const r = await post(`${s.url}/v1/plan`, { problem, strategy: 'sample', budget: 2, seed: 1, max_tokens: 48, stream: true });
    expect(r.status).toBe(200);
    const events = sseEvents(r.text) as any[];
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.filter((e) => e.object === 'plan.progress').length).toBeGreaterThan(0);
    expect(events.at(-2)).toMatchObject({ object: 'plan.result', problem_id: 'inline', strategy: 'sample', public_pass_rate: expect.any(Number), stats: { programsGenerated: 2 } });
    const invalid = await post(`${s.url}/v1/plan`, { problem: { ...problem, publicTests: [] } });
    expect(invalid.status).toBe(400);
  });
});

describe('limits of the service', () => {
  it('a full queue is 429 with Retry-After; a client that disconnects mid-stream frees its slot at once and is counted', async () => {
    const s = await startService({ maxConcurrency: 1, queue: 0 });
    try {
      const long = { prompt: 'function f() {\n', max_tokens: 900, stream: true };
      const controller = new AbortController();
      const res = await fetch(`${s.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(long), signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read(); // the stream is running: it holds the only slot
      const busy = await post(`${s.url}/v1/completions`, { prompt: 'x', max_tokens: 1 });
      expect(busy.status).toBe(429);
      expect(busy.headers.get('retry-after')).toBe('1');
      controller.abort();
      const freed = Date.now();
      while (s.service.limiter.active > 0 && Date.now() - freed < 30_000) await new Promise((r) => setTimeout(r, 10));
      expect(s.service.limiter.active).toBe(0);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metric(metrics, 'lsp_codegen_requests_cancelled_total', { reason: 'client-disconnect' })).toBe(1);
      expect(metric(metrics, 'lsp_codegen_requests_rejected_total')).toBe(1);
      expect(metric(metrics, 'lsp_codegen_requests_in_flight')).toBe(0);
      expect((await post(`${s.url}/v1/completions`, { prompt: 'x', max_tokens: 1 })).status).toBe(200);
      // The same without streaming: the client gives up while the answer is being generated.
      const gone = new AbortController();
      const waiting = fetch(`${s.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'function f() {\n', max_tokens: 900 }), signal: gone.signal }).catch(() => 'aborted');
      const began = Date.now();
      while (s.service.limiter.active === 0 && Date.now() - began < 30_000) await new Promise((r) => setTimeout(r, 5));
      gone.abort();
      expect(await waiting).toBe('aborted');
      const left = Date.now();
      while (s.service.limiter.active > 0 && Date.now() - left < 30_000) await new Promise((r) => setTimeout(r, 10));
      expect(s.service.limiter.active).toBe(0);
      expect(metric(await (await fetch(`${s.url}/metrics`)).text(), 'lsp_codegen_requests_cancelled_total', { reason: 'client-disconnect' })).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('a request past its time limit is cut off with 504 (and its stream ends with an error event)', async () => {
    const s = await startService({ requestTimeoutMs: 200 });
    try {
      const r = await post(`${s.url}/v1/completions`, { prompt: 'function f() {\n', max_tokens: 900 });
      expect(r.status).toBe(504);
      expect(r.json.error.code).toBe('timeout');
      const streamed = await post(`${s.url}/v1/completions`, { prompt: 'function f() {\n', max_tokens: 900, stream: true });
      const events = sseEvents(streamed.text) as any[];
      expect(events.at(-1)).toBe('[DONE]');
      expect(events.at(-2)).toMatchObject({ error: { code: 'timeout' }, status: 504 });
    } finally {
      await s.close();
    }
  });

  it('with a token, every route but /healthz and /readyz needs it', async () => {
    const token = 'a-test-token-0123456789';
    const s = await startService({ token });
    try {
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
      for (const path of ['/metrics', '/v1/models']) {
        const r = await fetch(`${s.url}${path}`);
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toBe('Bearer');
        expect((await fetch(`${s.url}${path}`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
        expect((await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      }
      expect((await post(`${s.url}/v1/completions`, { prompt: 'x', max_tokens: 1 })).status).toBe(401);
      expect((await post(`${s.url}/v1/completions`, { prompt: 'x', max_tokens: 1 }, { authorization: `Bearer ${token}` })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});


describe('language server failures during a request', () => {
  it('a language server killed while a request waits on it: 200 with monitor.degraded, and the next request restarts it', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'lsp-codegen-kill-')), 'messages.log');
    // The first server holds back its answer to the first trigger's query (request 3: initialize, warm-up,
    // trigger), so the request is surely waiting on it when the server is killed; later servers are plain.
    const stuck = loadingTsgo({ swallow: 3, log });
    const plain = loadingTsgo({});
    let launches = 0;
    const spec = { ...stuck, launch: () => (launches++ === 0 ? stuck : plain).launch() };
    const s = await startService({ workspaceRoots: [TS_PROJECT], budgetMs: 60_000, warmupMs: 120_000, servers: { specs: { typescript: spec } } });
    try {
      const body = { ...SITE, max_tokens: 24 };
      const pending = post(`${s.url}/v1/completions`, body);
      const completions = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l === 'textDocument/completion').length : 0);
      const started = Date.now();
      while (completions() < 2 && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 20));
      const server = s.service.pool.server(TS_PROJECT, 'typescript');
      const killed = server.pid!;
      process.kill(killed, 'SIGKILL');
      const r = await pending;
      expect(Date.now() - started).toBeLessThan(60_000); // not the trigger's budget: the query failed when the server died
      expect(r.status).toBe(200);
      expect(r.json.monitor.degraded).toBe(true);
      expect(r.json.monitor.triggers[0]).toMatchObject({ degraded: true, reason: expect.stringMatching(/error|not-ready/) });
      const again = await post(`${s.url}/v1/completions`, body);
      expect(again.status).toBe(200);
      expect(again.json.monitor.degraded).toBe(false);
      expect(server.pid).not.toBe(killed);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metric(metrics, 'lsp_codegen_language_server_events_total', { event: 'exit' })).toBe(1);
      expect(metric(metrics, 'lsp_codegen_language_server_events_total', { event: 'restart' })).toBe(1);
      expect(metric(metrics, 'lsp_codegen_monitor_triggers_total', { degraded: 'true' })).toBeGreaterThanOrEqual(1);
    } finally {
      await s.close();
    }
  });
});
