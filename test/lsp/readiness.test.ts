import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { LanguageServer, type LanguageServerOptions } from '../../src/lsp/language-server.js';
import { queryMembers } from '../../src/lsp/members.js';
import { tsgo, type ServerSpec } from '../../src/lsp/servers.js';
import { probe, TS_PROJECT } from '../helpers/fixtures.js';
import { loadingTsgo, stopProcess } from '../helpers/servers.js';

const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-readiness-'));
const servers: LanguageServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  rmSync(tmp, { recursive: true, force: true });
});

function server(spec: ServerSpec, options: LanguageServerOptions): LanguageServer {
  const s = new LanguageServer(spec, TS_PROJECT, options);
  servers.push(s);
  return s;
}

const p = probe(TS_PROJECT, 'src/services/order-service.ts', 'const order = new Order', '    customer.|');
const members = (s: LanguageServer, signal?: AbortSignal) => queryMembers(s, { file: p.path, text: p.text, offset: p.offset, language: 'typescript', signal });

describe('language-server readiness and cancellation (real tsc --lsp behind a relay)', () => {
  it('a server still loading its project is not killed for being slow while it reports progress', async () => {
    const s = server(loadingTsgo({ 'load-ms': 4000, 'progress-ms': 300 }), { requestTimeoutMs: 1000, readyTimeoutMs: 2500 });
    expect(s.ready).toBe(false);
    const answer = await members(s);
    expect(answer.members.map((m) => m.name)).toContain('placeOrder');
    expect(s.starts).toBe(1);
    expect(s.ready).toBe(true);
  });

  it('a loading server that falls silent is given up after its readiness budget, not before', async () => {
    const s = server(loadingTsgo({ 'load-ms': 60_000 }), { requestTimeoutMs: 500, readyTimeoutMs: 2000 });
    const error = await members(s).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout', message: expect.stringMatching(/no sign of life for \d+ s/) });
    expect(s.ready).toBe(false);
  });

  it('a query past its budget is cancelled on the server ($/cancelRequest) and releases the document', async () => {
    const log = join(tmp, 'client-messages.log');
    // Requests: 1 initialize, 2 the first completion (answered), 3 the one that gets stuck on the server.
    const s = server(loadingTsgo({ swallow: 3, log }), { requestTimeoutMs: 120_000 });
    await members(s);
    const stuck = await members(s, AbortSignal.timeout(300)).catch((e: unknown) => e);
    expect(stuck).toMatchObject({ code: 'cancelled' });
    // The next query on the same document runs now, not after the stuck one's 120 s limit.
    const next = await members(s);
    expect(next.members.map((m) => m.name)).toContain('placeOrder');
    expect(readFileSync(log, 'utf8').split('\n')).toContain('$/cancelRequest');
    expect(s.starts).toBe(1);
  });

  it('a ready server that stops answering even cancelled requests is found hung and replaced', async () => {
    const s = server(tsgo, { requestTimeoutMs: 1500 });
    await members(s);
    const pid = s.pid!;
    await stopProcess(pid);
    // Every caller gives up early, yet the frozen server is killed once it has not answered for the limit.
    for (let i = 0; i < 3; i++) await expect(members(s, AbortSignal.timeout(200))).rejects.toMatchObject({ code: 'cancelled' });
    expect(await s.exited(10_000)).toBe(true);
    expect((await members(s)).members.length).toBeGreaterThan(0);
    expect(s.pid).not.toBe(pid);
  });

  it('a pool its user never disposes does not keep the user’s process alive', () => {
    const script = `
const { ServerPool } = await import(${JSON.stringify(join(packageRoot(), 'dist/src/lsp/pool.js'))});
const pool = new ServerPool();
const answer = await pool.members(${JSON.stringify(TS_PROJECT)}, { file: ${JSON.stringify(p.path)}, text: ${JSON.stringify(p.text)}, offset: ${p.offset} });
console.log('members', answer.members.length);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stdout).toMatch(/members 12/);
    expect(r.signal).toBeNull(); // ended by itself, not by the 90 s kill
    expect(r.status).toBe(0);
  });

  it('a user awaiting dispose() is kept running until the servers are gone, then goes on', () => {
    const script = `
const { ServerPool } = await import(${JSON.stringify(join(packageRoot(), 'dist/src/lsp/pool.js'))});
const pool = new ServerPool({ idleMs: 0 });
await pool.members(${JSON.stringify(TS_PROJECT)}, { file: ${JSON.stringify(p.path)}, text: ${JSON.stringify(p.text)}, offset: ${p.offset} });
await pool.dispose();
console.log('after dispose');
process.exitCode = 7;`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
    expect(r.stdout).toBe('after dispose\n');
    expect(r.status).toBe(7);
  });
});
