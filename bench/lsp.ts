import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/engine/package-root.js';
import { LanguageServer } from '../src/lsp/language-server.js';
import { queryMembers } from '../src/lsp/members.js';
import { SERVERS, type ServerId } from '../src/lsp/servers.js';
import { fmt, median, percentile, type BenchRow } from './stats.js';

interface Site {
  readonly project: string;
  readonly file: string;
  readonly anchor: string;
  readonly receiver: string;
  readonly language: 'typescript' | 'python';
}

const TS: Site = {
  project: 'ts-project',
  file: 'src/services/order-service.ts',
  anchor: "const order = new Order(`o-${this.orders.size + 1}`, customer.id);",
  receiver: 'customer',
  language: 'typescript',
};
const PY: Site = {
  project: 'py-project',
  file: 'shop/service.py',
  anchor: '        order = Order(f"o-{len(self.orders) + 1}", customer.entity_id)',
  receiver: 'customer',
  language: 'python',
};

/** Cold start (spawn → first member answer) and warm edit+query latency of one server. */
async function measure(id: ServerId, site: Site, rounds: number) {
  const workspace = join(packageRoot(), 'fixtures', site.project);
  const path = join(workspace, site.file);
  const original = readFileSync(path, 'utf8');
  const insertAt = original.indexOf('\n', original.indexOf(site.anchor)) + 1;
  const indent = site.language === 'python' ? '        ' : '    ';
  const textFor = (i: number) => {
    const line = `${indent}${site.receiver}.`;
    // Each round is a new edit: a changing comment line above the query, as typing would produce.
    const comment = site.language === 'python' ? `${indent}# edit ${i}\n` : `${indent}// edit ${i}\n`;
    const text = original.slice(0, insertAt) + comment + line + '\n' + original.slice(insertAt);
    return { text, offset: insertAt + comment.length + line.length };
  };
  const server = new LanguageServer(SERVERS[id], workspace);
  try {
    const t0 = performance.now();
    const first = textFor(0);
    const answer = await queryMembers(server, { file: path, ...first, language: site.language });
    const coldMs = performance.now() - t0;
    if (answer.members.length === 0) throw new Error(`${id}: no members at the bench site`);
    const warm: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      const t = performance.now();
      await queryMembers(server, { file: path, ...textFor(i), language: site.language });
      warm.push(performance.now() - t);
    }
    return { name: SERVERS[id].name, coldMs, warm };
  } finally {
    await server.dispose();
  }
}

export async function benchLsp(rounds = 50): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tsgo = await measure('tsgo', TS, rounds);
  const results = [tsgo, await measure('tsls', TS, rounds), await measure('pyright', PY, rounds)];
  for (const r of results) {
    const p50 = median(r.warm);
    rows.push({ metric: `${r.name}: cold start (spawn → first members)`, value: `${fmt(r.coldMs, 0)} ms`, baseline: r === tsgo ? '' : `tsgo ${fmt(tsgo.coldMs, 0)} ms`, ratio: r === tsgo ? '' : `${fmt(r.coldMs / tsgo.coldMs, 1)}×` });
    rows.push({
      metric: `${r.name}: warm edit + member query, p50 / p90 (${rounds} rounds)`,
      value: `${fmt(p50, 1)} / ${fmt(percentile(r.warm, 90), 1)} ms`,
      baseline: r === tsgo ? 'goal p50 ≤ 15 ms' : `tsgo p50 ${fmt(median(tsgo.warm), 1)} ms`,
      ratio: r === tsgo ? `${fmt(p50 / 15, 2)}× of goal` : `${fmt(p50 / median(tsgo.warm), 1)}×`,
    });
  }
  return rows;
}
