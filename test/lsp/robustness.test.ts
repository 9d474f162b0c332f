import { afterAll, describe, expect, it } from 'vitest';
import { LspError } from '../../src/lsp/errors.js';
import { LanguageServer } from '../../src/lsp/language-server.js';
import { queryMembers } from '../../src/lsp/members.js';
import { ServerPool } from '../../src/lsp/pool.js';
import { tsgo, type ServerSpec } from '../../src/lsp/servers.js';
import { probe, TS_PROJECT } from '../helpers/fixtures.js';
import { stopProcess } from '../helpers/servers.js';

const SERVICE = 'src/services/order-service.ts';
const ANCHOR = "const order = new Order(`o-${this.orders.size + 1}`, customer.id);";
const servers: LanguageServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.dispose())));

function server(options = {}): LanguageServer {
  const s = new LanguageServer(tsgo, TS_PROJECT, options);
  servers.push(s);
  return s;
}

async function members(s: LanguageServer, snippet: string): Promise<string[]> {
  const p = probe(TS_PROJECT, SERVICE, ANCHOR, snippet);
  const answer = await queryMembers(s, { file: p.path, text: p.text, offset: p.offset, language: 'typescript' });
  return answer.members.map((m) => m.name).sort();
}

describe('language-server supervision (real tsc --lsp)', () => {
  it('restarts a killed server; the next query succeeds', async () => {
    const s = server();
    expect(await members(s, '    customer.pl|')).toEqual(['placeOrder']);
    const pid = s.pid!;
    process.kill(pid, 'SIGKILL');
    expect(await s.exited()).toBe(true);
    expect(await members(s, '    customer.pl|')).toEqual(['placeOrder']);
    expect(s.pid).not.toBe(pid);
    expect(s.starts).toBe(2);
  });

  it('a call in flight when the server dies fails fast with server-exited', async () => {
    const s = server();
    await s.start();
    const p = probe(TS_PROJECT, SERVICE, ANCHOR, '    customer.|');
    const pending = queryMembers(s, { file: p.path, text: p.text, offset: p.offset, language: 'typescript' });
    process.kill(s.pid!, 'SIGKILL');
    const started = Date.now();
    await expect(pending).rejects.toMatchObject({ code: 'server-exited' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a hung server times out with a typed error and is replaced', async () => {
    const s = server({ requestTimeoutMs: 1500 });
    expect(await members(s, '    customer.pl|')).toEqual(['placeOrder']);
    const pid = s.pid!;
    await stopProcess(pid); // hangs: alive but silent
    const started = Date.now();
    const error = await members(s, '    customer.|').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LspError);
    expect((error as LspError).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await members(s, '    customer.pl|')).toEqual(['placeOrder']);
    expect(s.pid).not.toBe(pid);
  });

  it('backs off when the server keeps crashing, instead of restarting in a loop', async () => {
    const crashing: ServerSpec = { ...tsgo, name: 'crashing', launch: () => ({ command: process.execPath, args: ['-e', 'process.exit(3)'] }) };
    const s = new LanguageServer(crashing, TS_PROJECT, { readyTimeoutMs: 5000 });
    servers.push(s);
    await expect(s.start()).rejects.toMatchObject({ code: 'spawn-failed' });
    await expect(s.start()).rejects.toMatchObject({ code: 'spawn-failed' }); // first retry is immediate
    await expect(s.start()).rejects.toMatchObject({ code: 'server-crashing' }); // then it waits
  });

  it('a missing server package is a clear error', async () => {
    const missing: ServerSpec = {
      ...tsgo,
      launch: () => {
        throw new LspError('not-installed', 'language server package "no-such-server" is not installed (run the set-up command)');
      },
    };
    const s = new LanguageServer(missing, TS_PROJECT);
    await expect(s.start()).rejects.toThrow(/not installed/);
  });

  it('stays consistent over 200 sequential edit + query rounds (one didChange per round)', async () => {
    const s = server();
    const p = probe(TS_PROJECT, SERVICE, ANCHOR, '    |');
    for (let i = 0; i < 200; i++) {
      const snippet = `    const v${i} = { field${i}: ${i}, other${i % 7}: "x" };\n    v${i}.`;
      const text = p.text.slice(0, p.offset) + snippet + p.text.slice(p.offset);
      const answer = await queryMembers(s, { file: p.path, text, offset: p.offset + snippet.length, language: 'typescript' });
      expect(answer.members.map((m) => m.name).sort()).toEqual([`field${i}`, `other${i % 7}`].sort());
    }
    expect(s.starts).toBe(1);
  });

  it('queries on two documents at once do not mix', async () => {
    const s = server();
    const a = probe(TS_PROJECT, SERVICE, ANCHOR, '    customer.|');
    const b = probe(TS_PROJECT, 'src/index.ts', "service.register(alice);", '  service.|');
    const runs = Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? queryMembers(s, { file: a.path, text: a.text, offset: a.offset, language: 'typescript' }).then((r) => ['a', r.members.length] as const)
        : queryMembers(s, { file: b.path, text: b.text, offset: b.offset, language: 'typescript' }).then((r) => ['b', r.members.map((m) => m.name).sort().join()] as const),
    );
    for (const [which, value] of await Promise.all(runs)) {
      if (which === 'a') expect(value).toBe(12);
      else expect(value).toBe(['order', 'receipt', 'register', 'save'].join());
    }
  });

  it('the pool shares one server per (workspace, server) and shuts all down on dispose', async () => {
    const pool = new ServerPool({ idleMs: 0 });
    const one = pool.server(TS_PROJECT, 'typescript');
    expect(pool.server(`${TS_PROJECT}/`, 'javascript')).toBe(one);
    await one.start();
    const pid = one.pid!;
    await pool.dispose();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
