import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineClient } from '../src/engine-client.js';
import { LocalEngine } from '../src/local-engine.js';

const root = join(__dirname, '..', '..');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('LocalEngine (the real engine as a child process)', () => {
  it('starts on loopback with a random port and token, restarts after it dies, and stops on dispose', async () => {
    const lines: string[] = [];
    const engine = new LocalEngine({ main: join(root, 'dist', 'src', 'cli', 'main.js'), roots: () => [join(root, 'fixtures')], log: (l) => lines.push(l) });
    try {
      const first = await engine.endpoint();
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.token).toMatch(/^[0-9a-f]{48}$/);
      // The token is required: the engine is not open to other local users.
      expect((await fetch(`${first.url}/v1/models`)).status).toBe(401);
      const client = new EngineClient(() => engine.endpoint());
      const answer = await client.complete(
        { workspace: join(root, 'fixtures', 'ts-project'), file: join(root, 'fixtures', 'ts-project', 'src/services/order-service.ts'), position: { line: 36, character: 13 }, max_tokens: 8, temperature: 0, stop_mode: 'line' },
        new AbortController().signal,
      );
      expect(answer.monitor?.enabled).toBe(true);
      const pid = engine.pid!;
      process.kill(pid, 'SIGKILL');
      while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
      // Started again by itself, without waiting for a request.
      for (const end = Date.now() + 120_000; (engine.pid === undefined || engine.pid === pid) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
      expect(engine.pid).toBeDefined();
      const second = await engine.endpoint();
      expect(engine.pid).not.toBe(pid);
      expect(second.token).not.toBe(first.token);
      expect(lines.some((l) => /exited/.test(l))).toBe(true);
      const last = engine.pid!;
      await engine.dispose();
      expect(alive(last)).toBe(false);
      await expect(engine.endpoint()).rejects.toThrow(/stopped/);
    } finally {
      await engine.dispose();
    }
  });

  it('an engine that cannot start says why, and is not respawned in a loop', async () => {
    const engine = new LocalEngine({ main: join(root, 'dist', 'src', 'cli', 'main.js'), modelDir: '/nonexistent/model', roots: () => [], log: () => undefined });
    try {
      await expect(engine.endpoint()).rejects.toThrow(/the local engine stopped: .*model directory not found: \/nonexistent\/model/);
      await new Promise((r) => setTimeout(r, 1500));
      expect(engine.pid).toBeUndefined(); // nothing started again by itself
    } finally {
      await engine.dispose();
    }
  });
});
