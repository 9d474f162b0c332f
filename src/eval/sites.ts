import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Language } from '../lang/language.js';
import { offsetAt } from '../lsp/text.js';

/** A dereference site of the fixture projects with the identifier the code really has there. */
export interface Site {
  readonly id: string;
  /** Folder under `fixtures/`. */
  readonly project: string;
  /** Path inside the project. */
  readonly file: string;
  /** 1-based line and column of the cursor, right after the dot. */
  readonly line: number;
  readonly column: number;
  readonly language: Language;
  readonly receiver: string;
  /** The identifier after the dot in the real code. */
  readonly target: string;
  /** Whether the member is defined in the same file (local context suffices) rather than another file or a library. */
  readonly definedInFile: boolean;
  /** Members the language server listed there when the site was made. */
  readonly members: number;
}

export function loadSites(path: string): Site[] {
  return JSON.parse(readFileSync(path, 'utf8')) as Site[];
}

/** The document a completion at `site` starts from: the file with the rest of the site's line removed. */
export interface SiteDocument {
  readonly workspace: string;
  /** Absolute path. */
  readonly file: string;
  readonly text: string;
  readonly offset: number;
}

export function siteDocument(site: Site, fixturesDir: string): SiteDocument {
  const workspace = join(fixturesDir, site.project);
  const file = join(workspace, site.file);
  const original = readFileSync(file, 'utf8');
  const offset = offsetAt(original, site.line - 1, site.column - 1);
  if (offset === undefined || original[offset - 1] !== '.') throw new Error(`site ${site.id} is not after a dot`);
  const lineEnd = original.indexOf('\n', offset);
  const text = original.slice(0, offset) + (lineEnd === -1 ? '' : original.slice(lineEnd));
  return { workspace, file, text, offset };
}

/** The identifier a completion starts with (what follows the dot). */
export function firstIdentifier(completion: string): string {
  return /^[\p{L}\p{N}_$]*/u.exec(completion)![0];
}
