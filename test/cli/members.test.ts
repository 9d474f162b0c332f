import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PY_PROJECT, TS_PROJECT } from '../helpers/fixtures.js';

describe('lsp-codegen members', () => {
  it('lists type-valid members as JSON (TypeScript, 1-based line:col right after the dot)', async () => {
    // src/services/order-service.ts line 37: "    customer.placeOrder(order);" — col 14 is right after the dot.
    const r = await runCli(['members', '--workspace', TS_PROJECT, '--at', 'src/services/order-service.ts:37:14', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['complete', 'latencyMs', 'members', 'server']);
    expect(out.members.map((m: { name: string }) => m.name)).toContain('placeOrder');
    expect(out.members.find((m: { name: string }) => m.name === 'email')).toEqual({ name: 'email', kind: 'field' });
    expect(out.members).toHaveLength(12);
    expect(out.latencyMs).toBeGreaterThan(0);
  });

  it('narrows inside a partial identifier and resolves signatures (Python)', async () => {
    // shop/service.py line 38: "        self.orders.add(order)" — col 22 is after "self.orders.a".
    const r = await runCli(['members', '--workspace', PY_PROJECT, '--at', 'shop/service.py:38:22', '--signatures', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.members.map((m: { name: string }) => m.name)).toEqual(['add', 'all']);
    expect(out.members[0].detail).toMatch(/add/);
    expect(out.server).toMatch(/^pyright/);
  });

  it('prints a readable list by default, and uses typescript-language-server when asked', async () => {
    const r = await runCli(['members', '--workspace', TS_PROJECT, '--at', 'src/services/order-service.ts:37:16', '--server', 'tsls']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^placeOrder\s+method\n\(1 members from typescript-language-server/);
  });

  it.each([
    [['--at', 'src/nope.ts:1:1'], /file not found: .*nope\.ts/],
    [['--at', 'src/index.ts:999:1'], /position 999:1 is outside src\/index\.ts \(the file has \d+ lines\)/],
    [['--at', 'src/index.ts:1:500'], /line 1 has \d+ characters/],
    [['--at', 'src/index.ts:1:3'], /not right after `expr\.`/],
  ])('%j is a clear error with exit 1', async (args, message) => {
    const r = await runCli(['members', '--workspace', TS_PROJECT, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses files outside the workspace, also through a symbolic link, for members and complete', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lsp-codegen-confine-'));
    try {
      const workspace = join(root, 'ws');
      cpSync(TS_PROJECT, workspace, { recursive: true });
      writeFileSync(join(root, 'secret.ts'), 'export const token = "s3cret";\nconst x = token.\n');
      symlinkSync(join(root, 'secret.ts'), join(workspace, 'src', 'shadow.ts'));
      symlinkSync(root, join(workspace, 'src', 'up'));
      for (const at of ['../secret.ts:2:17', `${join(root, 'secret.ts')}:2:17`, 'src/shadow.ts:2:17', 'src/up/secret.ts:2:17', '/etc/passwd:1:1']) {
        for (const command of ['members', 'complete']) {
          const r = await runCli([command, '--workspace', workspace, '--at', at]);
          expect({ command, at, code: r.code }).toEqual({ command, at, code: 1 });
          expect(r.stderr).toMatch(/is outside the workspace/);
          expect(r.stdout).toBe('');
        }
      }
      // An absolute path that is inside the workspace is fine.
      const inside = await runCli(['members', '--workspace', workspace, '--at', `${join(workspace, 'src/services/order-service.ts')}:37:14`, '--json']);
      expect(inside.code).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('usage errors exit 2', async () => {
    expect((await runCli(['members', '--at', 'a.ts:1:1'])).code).toBe(2);
    expect((await runCli(['members', '--workspace', TS_PROJECT, '--at', 'a.ts'])).stderr).toMatch(/FILE:LINE:COL/);
    expect((await runCli(['members', '--workspace', TS_PROJECT, '--at', 'a.ts:1:1', '--server', 'gopls'])).code).toBe(2);
    const noWorkspace = await runCli(['members', '--workspace', '/nonexistent/dir', '--at', 'a.ts:1:1']);
    expect(noWorkspace.code).toBe(1);
    expect(noWorkspace.stderr).toMatch(/workspace not found/);
  });

  it('a file type without a language server is a clear error', async () => {
    const r = await runCli(['members', '--workspace', TS_PROJECT, '--at', 'tsconfig.json:1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no language server for .*tsconfig\.json/);
  });
});
