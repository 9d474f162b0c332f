import { describe, expect, it } from 'vitest';
import { childProcesses } from '../../src/util/process.js';
import { runCli } from '../helpers/cli.js';
import { TS_PROJECT } from '../helpers/fixtures.js';
import { serve } from '../helpers/serve.js';
import { post, sseEvents } from '../helpers/service.js';

/** Reads a streamed response to its end, calling `then` once its first chunk has arrived. */
async function readAfter(res: Response, then: () => void): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let first = true;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
    if (first) {
      first = false;
      then();
    }
  }
}


describe('lsp-codegen serve (the CLI)', () => {
  it('refuses to listen beyond loopback without a token, and rejects bad flags with exit 2', async () => {
    const open = await runCli(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token/);
    const short = await runCli(['serve', '--token', 'short']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 16 characters/);
    const root = await runCli(['serve', '--port', '0', '--workspace-root', '/nonexistent/root']);
    expect(root.code).toBe(2);
    expect(root.stderr).toMatch(/workspace root not found/);
    for (const flag of [['--port', '70000'], ['--max-concurrency', '0'], ['--request-timeout-ms', String(2 ** 31)], ['--bogus']]) {
      const r = await runCli(['serve', ...flag]);
      expect(r.code, flag.join(' ')).toBe(2);
    }
    const model = await runCli(['serve', '--port', '0', '--model', '/nonexistent/model']);
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(/model directory not found/);
  });

  it('listens beyond loopback with a token from the environment, and enforces it', async () => {
    const token = 'env-token-0123456789abcdef';
    const s = await serve(['--host', '0.0.0.0'], { LSP_CODEGEN_TOKEN: token });
    try {
      const url = s.url.replace('0.0.0.0', '127.0.0.1');
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      expect((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    }
  });

  it('SIGTERM: stops accepting, lets the request in flight finish, stops its language servers and exits 0', async () => {
    const s = await serve(['--workspace-root', TS_PROJECT, '--grace-ms', '60000']);
    const warm = await post(`${s.url}/v1/completions`, { workspace: TS_PROJECT, file: 'src/services/order-service.ts', position: { line: 36, character: 13 }, max_tokens: 8 });
    expect(warm.status).toBe(200);
    const servers = childProcesses(s.child.pid!);
    expect(servers.length).toBeGreaterThan(0); // the workspace's language server
    // Once the stream has started, the request is surely in flight.
    const res = await fetch(`${s.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'function f() {\n', max_tokens: 300, stream: true }) });
    const text = await readAfter(res, () => s.child.kill('SIGTERM'));
    expect(res.status).toBe(200);
    const events = sseEvents(text) as any[];
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.at(-2).error).toBeUndefined(); // it finished, it was not cut off
    expect(await s.exited).toBe(0);
    expect(s.output()).toMatch(/SIGTERM: shutting down/);
    for (const pid of servers) expect(() => process.kill(pid, 0)).toThrow();
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });

  it('SIGINT with no grace left: the stream in flight ends with a shutdown error event, and the process exits 0', async () => {
    const s = await serve(['--grace-ms', '0']);
    const res = await fetch(`${s.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'function f() {\n', max_tokens: 900, stream: true }) });
    const text = await readAfter(res, () => s.child.kill('SIGINT'));
    const events = sseEvents(text) as any[];
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.at(-2)).toMatchObject({ error: { code: 'shutdown' }, status: 503 });
    expect(await s.exited).toBe(0);
  });
});
