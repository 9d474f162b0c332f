import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PY_PROJECT, TS_PROJECT } from '../helpers/fixtures.js';

describe('lsp-codegen complete', () => {
  it('completes at a dereference with the monitor and reports its triggers as JSON', async () => {
    // src/services/order-service.ts:37:14 is right after `customer.`
    const r = await runCli(['complete', '--workspace', TS_PROJECT, '--at', 'src/services/order-service.ts:37:14', '--max-tokens', '16', '--budget-ms', '3000', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['completion', 'finishReason', 'monitor', 'timings']);
    expect(Object.keys(out.monitor).sort()).toEqual(['constrainedTokens', 'kinds', 'queries', 'triggers']);
    expect(out.monitor.kinds).toEqual(['deref', 'call', 'keys', 'literals', 'new', 'imports']); // kwargs is Python's
    const first = out.monitor.triggers.find((t: { offset: number }) => t.offset === 1448);
    expect(first).toMatchObject({ monitor: 'deref', allowed: 12, degraded: false });
    expect(out.completion.startsWith(first.chosen)).toBe(true);
    expect(['id', 'createdAt', 'updatedAt', 'touch', 'describe', 'email', 'address', 'orders', 'name', 'kind', 'placeOrder', 'lifetimeValue']).toContain(first.chosen);
    expect(out.monitor.constrainedTokens).toBeGreaterThan(0);
    expect(Object.keys(out.timings).sort()).toEqual(['decodeMs', 'prefillMs', 'tokensPerSecond']);
  });

  it('--no-monitor decodes freely (no triggers) and prints plain text by default', async () => {
    const r = await runCli(['complete', '--workspace', PY_PROJECT, '--at', 'shop/service.py:38:21', '--no-monitor', '--max-tokens', '12', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).monitor).toEqual({ kinds: [], triggers: [], constrainedTokens: 0, queries: {} });
    const plain = await runCli(['complete', '--workspace', PY_PROJECT, '--at', 'shop/service.py:38:21', '--max-tokens', '12', '--stop-mode', 'line']);
    expect(plain.code).toBe(0);
    expect(plain.stdout.trimEnd()).not.toContain('\n');
  });

  it('the call monitor vetoes calling a property: `customer.address(` (the dereference monitor alone allows it)', async () => {
    const at = ['complete', '--workspace', TS_PROJECT, '--at', 'src/services/order-service.ts:37:14', '--max-tokens', '16', '--budget-ms', '3000', '--json'];
    const derefOnly = JSON.parse((await runCli([...at, '--monitors', 'deref'])).stdout);
    expect(derefOnly.completion).toMatch(/^address\(/);
    expect(derefOnly.monitor.kinds).toEqual(['deref']);
    const all = JSON.parse((await runCli(at)).stdout);
    expect(all.completion).not.toMatch(/^address\(/);
    expect(all.monitor.triggers).toContainEqual(expect.objectContaining({ monitor: 'call', offset: 1456, vetoes: 1, degraded: false }));
  });

  it('says on stderr, in one line, when monitoring degraded (plain-text output)', async () => {
    const r = await runCli(['complete', '--workspace', TS_PROJECT, '--at', 'src/services/order-service.ts:37:14', '--max-tokens', '8', '--budget-ms', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    // The first question runs out of time; until the server has answered it, the next ones are not asked (busy).
    expect(r.stderr).toMatch(
      /^lsp-codegen complete: monitoring degraded: (\d+) of \1 triggers? left unconstrained \(\d+× the language server answered too late(; \d+× the language server was still busy with an earlier question)?\)\n$/,
    );
  });

  it('bad positions and flags are clear errors', async () => {
    const missing = await runCli(['complete', '--workspace', TS_PROJECT, '--at', 'src/nope.ts:1:1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/file not found/);
    const flag = await runCli(['complete', '--workspace', TS_PROJECT, '--at', 'src/index.ts:1:1', '--fim', 'sometimes']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--fim must be one of auto, on, off/);
    const monitors = await runCli(['complete', '--workspace', TS_PROJECT, '--at', 'src/index.ts:1:1', '--monitors', 'deref,calls']);
    expect(monitors.code).toBe(2);
    expect(monitors.stderr).toMatch(/--monitors: unknown monitor 'calls': use all, none, or a comma-separated list of deref, call, keys, literals, new, imports, kwargs/);
  });
});
