import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { PY_PROJECT, TS_PROJECT } from '../helpers/fixtures.js';
import { post, sseEvents } from '../helpers/service.js';
import { serve } from '../helpers/serve.js';
import { freePort } from '../helpers/free-port.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);


const started: ChildProcess[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'lsp-codegen-nginx-'));
afterAll(() => {
  for (const child of started) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

describe('scale-out: real nginx in front of two replicas (deploy/nginx.conf)', () => {
  it('keeps a workspace on one replica, and moves it to the other when that replica dies', async () => {
    // Fail loudly: the set-up command installs nginx (Debian package nginx-light).
    expect(NGINX, 'nginx is not installed: run the set-up command (npm run setup)').toBeDefined();
    const replicas = await Promise.all([0, 1].map(() => serve(['--workspace-root', join(packageRoot(), 'fixtures')])));
    started.push(...replicas.map((r) => r.child));
    const port = await freePort();
    // The shipped configuration, pointed at this test's ports.
    const upstreams = replicas.map((r) => new URL(r.url).host);
    const conf = readFileSync(join(packageRoot(), 'deploy', 'nginx.conf'), 'utf8')
      .replace('server 127.0.0.1:8081', `server ${upstreams[0]}`)
      .replace('server 127.0.0.1:8082', `server ${upstreams[1]}`)
      .replace('listen 127.0.0.1:8080;', `listen 127.0.0.1:${port};`);
    expect(conf).toContain(upstreams[1]);
    writeFileSync(join(scratch, 'nginx.conf'), conf);
    const nginx = spawn(NGINX!, ['-p', scratch, '-c', join(scratch, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.push(nginx);
    let nginxLog = '';
    nginx.stderr!.on('data', (d) => (nginxLog += d));
    const base = `http://127.0.0.1:${port}`;
    const startedAt = Date.now();
    for (;;) {
      const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() - startedAt > 60_000) throw new Error(`nginx did not come up:\n${nginxLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const site = (workspace: string) =>
      workspace === TS_PROJECT
        ? { workspace, file: 'src/services/order-service.ts', position: { line: 36, character: 13 }, max_tokens: 8 }
        : { workspace, file: 'main.py', position: { line: 0, character: 0 }, max_tokens: 4 };
    const ask = async (workspace: string) => {
      const r = await post(`${base}/v1/completions`, site(workspace), { 'x-workspace': workspace });
      expect(r.status, r.text).toBe(200);
      return r.headers.get('x-lsp-codegen-instance')!;
    };
    // Every request of a workspace reaches the same replica.
    const servedBy = new Set<string>();
    for (let i = 0; i < 6; i++) servedBy.add(await ask(TS_PROJECT));
    expect(servedBy.size).toBe(1);
    const home = [...servedBy][0]!;
    const other = new Set<string>();
    for (let i = 0; i < 3; i++) other.add(await ask(PY_PROJECT));
    expect(other.size).toBe(1);
    // Streams pass through unbuffered, ending in [DONE].
    const streamed = await post(`${base}/v1/completions`, { ...site(TS_PROJECT), stream: true }, { 'x-workspace': TS_PROJECT });
    expect(sseEvents(streamed.text).at(-1)).toBe('[DONE]');

    // Kill the workspace's replica: its requests move to the other one and still succeed.
    const dead = replicas.find((r) => home.startsWith(`${r.child.pid}-`))!;
    dead.child.kill('SIGKILL');
    await dead.exited;
    const moved = new Set<string>();
    for (let i = 0; i < 4; i++) moved.add(await ask(TS_PROJECT));
    expect(moved.size).toBe(1);
    expect([...moved][0]).not.toBe(home);
    nginx.kill('SIGQUIT');
  });
});
