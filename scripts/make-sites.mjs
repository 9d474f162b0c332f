// Regenerates fixtures/sites.jsonl: the fixture projects' sites of every monitor kind, built by the
// evaluation's own site builder (`eval build`), keeping dereferences into the same file too (marked `local`).
// Repositories are stored relative to fixtures/. Run after `npm run build`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDataset } from '../dist/src/eval/dataset.js';
import { ServerPool } from '../dist/src/lsp/pool.js';
import { MONITOR_KINDS } from '../dist/src/monitor/types.js';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const pool = new ServerPool({ idleMs: 0 });
const lines = [];
try {
  for (const project of ['ts-project', 'py-project']) {
    const repo = join(fixtures, project);
    const report = await buildDataset(repo, pool, { kinds: MONITOR_KINDS, minStatements: 1, keepLocal: true, maxSites: 30, seed: 1, log: (l) => console.log(`${project}: ${l}`) });
    if (report.skippedFiles.length) throw new Error(`${project}: files with type errors: ${report.skippedFiles.map((f) => f.file).join(', ')}`);
    for (const site of report.sites) lines.push(JSON.stringify({ ...site, id: `${project}/${site.id}`, repo: project }));
  }
} finally {
  await pool.dispose();
}
writeFileSync(join(fixtures, 'sites.jsonl'), lines.join('\n') + '\n');
console.log(`${lines.length} sites written to fixtures/sites.jsonl`);
