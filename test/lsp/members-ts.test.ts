import { afterAll, describe, expect, it } from 'vitest';
import { ServerPool } from '../../src/lsp/pool.js';
import { probe, TS_PROJECT } from '../helpers/fixtures.js';

const pool = new ServerPool({ idleMs: 0 });
afterAll(() => pool.dispose());

const SERVICE = 'src/services/order-service.ts';
/** Inside `OrderService.order(...)`, after `customer` is known to be a Customer. */
const IN_ORDER = "const order = new Order(`o-${this.orders.size + 1}`, customer.id);";

async function names(snippet: string, anchor = IN_ORDER, file = SERVICE): Promise<string[]> {
  const p = probe(TS_PROJECT, file, anchor, snippet);
  const answer = await pool.members(TS_PROJECT, { file: p.path, text: p.text, offset: p.offset });
  return answer.members.map((m) => m.name).sort();
}

const sorted = (xs: string[]) => [...xs].sort();

describe('member query, TypeScript 7 native server (tsc --lsp)', () => {
  it('own and inherited members of a class from another file; private, protected and static excluded', async () => {
    expect(await names('    customer.|')).toEqual(
      sorted(['id', 'createdAt', 'updatedAt', 'touch', 'describe', 'email', 'address', 'orders', 'name', 'kind', 'placeOrder', 'lifetimeValue']),
    );
  });

  it('inherited interface members', async () => {
    expect(await names('    const item = await this.catalog.get("x");\n    item.|')).toEqual(
      sorted(['price', 'currency', 'sku', 'title', 'category', 'quantity']),
    );
  });

  it('generic class instantiated with a type from another file', async () => {
    expect(await names('    this.customers.|')).toEqual(sorted(['add', 'get', 'remove', 'all', 'query', 'size']));
    expect(await names('    this.customers.get("c")!.|')).toContain('placeOrder');
    expect(await names('    this.orders.query().where((o) => o.status === "paid").|')).toEqual(sorted(['where', 'first', 'toArray', 'count']));
    expect(await names('    this.orders.query().first()?.|')).toEqual(
      sorted(['id', 'createdAt', 'updatedAt', 'touch', 'describe', 'lines', 'status', 'customerId', 'kind', 'addLine', 'total']),
    );
  });

  it('library types: Map, Promise, string, node:path', async () => {
    expect(await names('    new Map<string, number>().|')).toEqual(
      sorted(['clear', 'delete', 'forEach', 'get', 'has', 'set', 'size', 'entries', 'keys', 'values']),
    );
    expect(await names('    this.catalog.get("a").|')).toEqual(sorted(['then', 'catch', 'finally']));
    const str = await names('    readFileSync("f", "utf8").|');
    for (const m of ['split', 'trim', 'length', 'toUpperCase', 'startsWith', 'replaceAll']) expect(str).toContain(m);
    expect(str).not.toContain('push');
    const pathMembers = await names('    path.|');
    for (const m of ['join', 'resolve', 'dirname', 'basename', 'extname', 'sep', 'relative', 'isAbsolute', 'parse', 'posix']) {
      expect(pathMembers).toContain(m);
    }
    expect(pathMembers).not.toContain('readFileSync');
  });

  it('a receiver typed any gives no members', async () => {
    expect(await names('    JSON.parse("{}").|')).toEqual([]);
    expect(await names('    (customer as any).|')).toEqual([]);
  });

  it('narrows to a partial identifier, and ignores the rest of an identifier after the cursor', async () => {
    expect(await names('    customer.pl|')).toEqual(['placeOrder']);
    expect(await names('    customer.l|')).toEqual(['lifetimeValue']);
    expect(await names('    customer.|placeOrder(order);')).toHaveLength(12);
    expect(await names('    customer.zz|')).toEqual([]);
  });

  it('optional chaining and chains across lines', async () => {
    expect(await names('    customer.address?.|')).toEqual(sorted(['street', 'city', 'postcode', 'country']));
    expect(await names('    customer.orders\n      .filter((o) => o.total() > 0)\n      .|')).toContain('reduce');
  });

  it('answers for the overlay text, not the file on disk', async () => {
    const local = 'class Local { alpha = 1; beta(): void {} }\n';
    const p = probe(TS_PROJECT, SERVICE, IN_ORDER, '    new Local().|');
    const text = p.text.replace('export class OrderService', local + 'export class OrderService');
    const offset = p.offset + local.length;
    const answer = await pool.members(TS_PROJECT, { file: p.path, text, offset });
    expect(answer.members.map((m) => m.name).sort()).toEqual(['alpha', 'beta']);
    expect(answer.server).toMatch(/^typescript 7/);
    expect(answer.complete).toBe(true);
    // Another file's overlay: a method added to Customer only in memory.
    const server = pool.server(TS_PROJECT, 'typescript');
    const customerFile = `${TS_PROJECT}/src/models/customer.ts`;
    const { readFileSync } = await import('node:fs');
    const disk = readFileSync(customerFile, 'utf8');
    await server.setDocument(customerFile, disk.replace('  lifetimeValue(): number {', '  loyalty(): number {\n    return 1;\n  }\n\n  lifetimeValue(): number {'));
    expect(await names('    customer.lo|')).toEqual(['loyalty']);
    await server.setDocument(customerFile, disk);
    expect(await names('    customer.lo|')).toEqual([]);
  });

  it('resolves signatures on request', async () => {
    const p = probe(TS_PROJECT, SERVICE, IN_ORDER, '    customer.pl|');
    const answer = await pool.members(TS_PROJECT, { file: p.path, text: p.text, offset: p.offset, signatures: true });
    expect(answer.members).toEqual([{ name: 'placeOrder', kind: 'method', detail: '(method) Customer.placeOrder(order: Order): void' }]);
  });

  it('refuses positions that are not dereference points', async () => {
    const p = probe(TS_PROJECT, SERVICE, IN_ORDER, '    const s = "customer.|";');
    await expect(pool.members(TS_PROJECT, { file: p.path, text: p.text, offset: p.offset })).rejects.toMatchObject({ code: 'not-a-dereference' });
    await expect(pool.members(TS_PROJECT, { file: p.path, text: p.text, offset: p.text.length + 5 })).rejects.toMatchObject({ code: 'bad-position' });
  });
});
