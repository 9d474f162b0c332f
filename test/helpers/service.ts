import { expect } from 'vitest';
import { CodegenService, type ServiceOptions } from '../../src/service/app.js';
import { packageRoot } from '../../src/engine/package-root.js';
import { join } from 'node:path';

/** A real service on an ephemeral loopback port, with the shipped model; `close()` shuts it down. */
export async function startService(options: ServiceOptions = {}) {
  const service = new CodegenService({ workspaceRoots: [join(packageRoot(), 'fixtures')], ...options });
  const url = await service.listen('127.0.0.1', 0);
  await service.loaded;
  return { service, url, close: (graceMs = 0) => service.close(graceMs) };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** The `data:` payloads of a server-sent-events body, in order (`[DONE]` kept as the string). */
export function sseEvents(body: string): unknown[] {
  expect(body.endsWith('\n\n')).toBe(true);
  return body
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      expect(block.startsWith('data: ')).toBe(true);
      const data = block.slice('data: '.length);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

/** A metric's value from a Prometheus text exposition (0 when absent). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[4]);
  }
  return total;
}
