import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/engine/package-root.js';
import { languageOf } from '../../src/lang/language.js';

export const TS_PROJECT = join(packageRoot(), 'fixtures', 'ts-project');
export const PY_PROJECT = join(packageRoot(), 'fixtures', 'py-project');

/**
 * A fixture file's text with `snippet` inserted on a new line after the first line containing `anchor`;
 * the `|` in the snippet marks the cursor. Returns the absolute path, the overlay text and the cursor offset.
 */
export function probe(project: string, file: string, anchor: string, snippet: string) {
  const path = join(project, file);
  const original = readFileSync(path, 'utf8');
  const at = original.indexOf(anchor);
  if (at < 0) throw new Error(`anchor not found in ${file}: ${anchor}`);
  const lineEnd = original.indexOf('\n', at) + 1;
  const cursor = snippet.indexOf('|');
  if (cursor < 0) throw new Error('snippet has no | cursor');
  const inserted = snippet.replace('|', '') + '\n';
  return { path, text: original.slice(0, lineEnd) + inserted + original.slice(lineEnd), offset: lineEnd + cursor };
}

/**
 * The document a completion at `at` (`project/file:line:column`, 1-based, as the sites' ids) starts from: the
 * fixture file with the rest of the cursor's line removed.
 */
export function fixtureDocument(at: string) {
  const m = /^([^/]+)\/(.+):(\d+):(\d+)$/.exec(at);
  if (!m) throw new Error(`not project/file:line:column: ${at}`);
  const [, project, file, line, column] = m;
  const workspace = join(packageRoot(), 'fixtures', project!);
  const path = join(workspace, file!);
  const original = readFileSync(path, 'utf8');
  const lines = original.split('\n');
  const offset = lines.slice(0, Number(line) - 1).reduce((n, l) => n + l.length + 1, 0) + Number(column) - 1;
  const lineEnd = original.indexOf('\n', offset);
  const text = original.slice(0, offset) + (lineEnd === -1 ? '' : original.slice(lineEnd));
  return { workspace, file: path, relative: file!, text, offset, language: languageOf(path)! };
}
