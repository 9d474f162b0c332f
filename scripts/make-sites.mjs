// Regenerates fixtures/sites.json: dereference sites in the fixture projects with the identifier written
// there as ground truth, each checked against the language server. Run after `npm run build`.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findDereference } from '../dist/src/lang/dereference.js';
import { languageOf } from '../dist/src/lang/language.js';
import { ServerPool } from '../dist/src/lsp/pool.js';

const root = new URL('..', import.meta.url).pathname;
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const LOCAL_RECEIVERS = new Set(['this', 'self']);

function definedIn(text, name, language) {
  const patterns =
    language === 'python'
      ? [`^\\s*def ${name}\\b`, `self\\.${name}\\s*[:=]`, `^\\s*${name}\\s*[:=]`]
      : [`^\\s*(?:(?:public|private|protected|readonly|static|async|get|set|abstract)\\s+)*${name}\\s*[(<:=?]`, `^\\s*${name}\\(`];
  return patterns.some((p) => new RegExp(p, 'm').test(text));
}

const pool = new ServerPool({ idleMs: 0 });
const sites = [];
for (const project of ['ts-project', 'py-project']) {
  const workspace = join(root, 'fixtures', project);
  const seen = new Set();
  for (const file of walk(workspace).sort()) {
    const language = languageOf(file);
    if (!language) continue;
    const text = readFileSync(file, 'utf8');
    for (let i = 0; i < text.length; i++) {
      if (text[i] !== '.') continue;
      const d = findDereference(text, i + 1, language);
      const target = /^[A-Za-z_$][\w$]*/.exec(text.slice(i + 1))?.[0];
      if (!d || !target || LOCAL_RECEIVERS.has(d.receiver)) continue;
      const line = text.slice(0, i + 1).split('\n').length;
      const lineStart = text.lastIndexOf('\n', i) + 1;
      if (/^\s*(import|from)\b/.test(text.slice(lineStart))) continue;
      const rel = relative(workspace, file);
      const key = `${rel}:${line}:${target}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // The site as the harness builds it: the rest of the line after the cursor removed.
      const lineEnd = text.indexOf('\n', i);
      const overlay = text.slice(0, i + 1) + text.slice(lineEnd === -1 ? text.length : lineEnd);
      const answer = await pool.members(workspace, { file, text: overlay, offset: i + 1 });
      const names = answer.members.map((m) => m.name);
      if (!names.includes(target)) {
        console.error(`skip ${key}: ${target} not among ${names.length} members`);
        continue;
      }
      sites.push({
        id: `${project}/${rel}:${line}:${i + 1 - lineStart + 1}`,
        project,
        file: rel,
        line,
        column: i + 1 - lineStart + 1,
        language,
        receiver: d.receiver,
        target,
        definedInFile: definedIn(text, target, language),
        members: names.length,
      });
    }
  }
}
await pool.dispose();
writeFileSync(join(root, 'fixtures', 'sites.json'), JSON.stringify(sites, null, 2) + '\n');
const local = sites.filter((s) => s.definedInFile).length;
console.log(`${sites.length} sites (${sites.filter((s) => s.language === 'python').length} Python), ${sites.length - local} into other files or libraries`);
