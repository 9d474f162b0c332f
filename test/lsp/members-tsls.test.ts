import { afterAll, describe, expect, it } from 'vitest';
import { ServerPool } from '../../src/lsp/pool.js';
import { probe, TS_PROJECT } from '../helpers/fixtures.js';

// The selectable alternative: typescript-language-server over TypeScript 5's tsserver.
const tsls = new ServerPool({ idleMs: 0, servers: { typescript: 'tsls' } });
const tsgo = new ServerPool({ idleMs: 0 });
afterAll(() => Promise.all([tsls.dispose(), tsgo.dispose()]));

const SERVICE = 'src/services/order-service.ts';
const ANCHOR = "const order = new Order(`o-${this.orders.size + 1}`, customer.id);";

describe('member query, typescript-language-server (alternative)', () => {
  it.each([
    '    customer.|',
    '    customer.pl|',
    '    this.customers.|',
    '    customer.address?.|',
    '    new Map<string, number>().|',
    '    JSON.parse("{}").|',
  ])('gives the same members as the native server for %j', async (snippet) => {
    const p = probe(TS_PROJECT, SERVICE, ANCHOR, snippet);
    const q = { file: p.path, text: p.text, offset: p.offset };
    const [a, b] = await Promise.all([tsls.members(TS_PROJECT, q), tsgo.members(TS_PROJECT, q)]);
    expect(a.server).toMatch(/^typescript-language-server 5\.\d+\.\d+ \(typescript 5\./);
    expect(a.members.map((m) => m.name).sort()).toEqual(b.members.map((m) => m.name).sort());
  });
});
