import { afterAll, describe, expect, it } from 'vitest';
import { ServerPool } from '../../src/lsp/pool.js';
import { probe, PY_PROJECT } from '../helpers/fixtures.js';

const pool = new ServerPool({ idleMs: 0 });
afterAll(() => pool.dispose());

const SERVICE = 'shop/service.py';
/** Inside `OrderService.order`, after `customer` is narrowed to Customer. */
const IN_ORDER = '        order = Order(f"o-{len(self.orders) + 1}", customer.entity_id)';

async function names(snippet: string, anchor = IN_ORDER, file = SERVICE): Promise<string[]> {
  const p = probe(PY_PROJECT, file, anchor, snippet);
  const answer = await pool.members(PY_PROJECT, { file: p.path, text: p.text, offset: p.offset });
  return answer.members.map((m) => m.name).sort();
}

const sorted = (xs: string[]) => [...xs].sort();
const CUSTOMER = ['entity_id', 'created_at', 'updated_at', '_revision', 'touch', 'describe', 'kind', 'name', 'email', 'orders', 'place_order', 'lifetime_value'];

describe('member query, pyright', () => {
  it('own and inherited members of a class from another module; name-mangled and dunders excluded', async () => {
    expect(await names('        customer.|')).toEqual(sorted(CUSTOMER));
  });

  it('keeps __private after self. inside the class, and dunders when the prefix starts with _', async () => {
    const own = await names('        self.|', '        self._revision = 0', 'shop/models.py');
    expect(own).toContain('__secret'); // `self.__secret` is valid inside Entity
    const dunders = await names('        customer.__|');
    expect(dunders).toContain('__init__');
    expect(dunders).not.toContain('__secret');
  });

  it('generic class instantiated with a class from another module', async () => {
    expect(await names('        self.customers.|')).toEqual(sorted(['add', 'get', 'remove', 'all', 'find', '_by_id']));
    expect(await names('        self.customers.all()[0].|')).toEqual(sorted(CUSTOMER));
  });

  it('dataclasses and enums', async () => {
    expect(await names('        Item("a", "b", 1.0).|')).toEqual(sorted(['sku', 'title', 'price', 'tags', 'discounted']));
    const status = await names('        Order("o", "c").status.|');
    expect(status).toContain('value');
    expect(status).toContain('name');
  });

  it('standard library: os.path, pathlib.Path, json, collections.Counter', async () => {
    const osPath = await names('        os.path.|');
    for (const m of ['join', 'exists', 'dirname', 'basename', 'splitext', 'isfile']) expect(osPath).toContain(m);
    const p = await names('        self.data_dir.|');
    for (const m of ['exists', 'read_text', 'write_text', 'parent', 'name', 'suffix', 'mkdir', 'joinpath']) expect(p).toContain(m);
    const j = await names('        json.|');
    for (const m of ['load', 'loads', 'dump', 'dumps']) expect(j).toContain(m);
    const counter = await names('        self.sold.|');
    for (const m of ['most_common', 'update', 'elements', 'total', 'items']) expect(counter).toContain(m);
  });

  it('narrows to a partial identifier', async () => {
    expect(await names('        customer.pl|')).toEqual(['place_order']);
    expect(await names('        os.path.jo|')).toEqual(['join']);
  });

  it('a receiver typed Any gives no members', async () => {
    expect(await names('        json.loads("{}").|')).toEqual([]);
  });
});
