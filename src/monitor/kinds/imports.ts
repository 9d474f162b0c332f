import { openStringAtEnd } from '../../lang/brackets.js';
import { Kind } from '../../lang/lexical.js';
import type { Language } from '../../lang/language.js';
import { isIdentifierChar, restOfDocument, type WordMonitor, type WordSlot } from '../monitor.js';
import type { Analysis, AnalysisItem } from '../types.js';

/** Whether the string whose opening quote is at `quoteAt` is a TS/JS module specifier (`from '`, `import('`, `require('`). */
export function isModuleSpecifier(text: string, quoteAt: number, language: Language): boolean {
  if (language === 'python') return false;
  const head = text.slice(Math.max(0, quoteAt - 40), quoteAt);
  return /(?:^|[^\p{L}\p{N}_$.])(?:from|import)\s*$/u.test(head) || /(?:^|[^\p{L}\p{N}_$.])(?:import|require)\s*\(\s*$/u.test(head);
}

const PY_MODULE = /^[ \t]*(?:import|from)[ \t]+(\.*(?:[\p{L}_][\p{L}\p{N}_]*\.)*)([\p{L}_][\p{L}\p{N}_]*)?$/u;
const PY_NAMES = /^[ \t]*from[ \t]+[.\p{L}\p{N}_]+[ \t]+import[ \t]+(?:\([ \t]*)?(?:[\p{L}_][\p{L}\p{N}_]*(?:[ \t]+as[ \t]+[\p{L}_][\p{L}\p{N}_]*)?[ \t]*,[ \t]*)*([\p{L}_][\p{L}\p{N}_]*)?$/u;

/** Slot of an import at the end of `text`, with what it names: a module path segment or a name imported from a module. */
export function importSlot(text: string, kinds: Uint8Array, language: Language): (WordSlot & { key: string }) | undefined {
  if (language === 'python') {
    const lineStart = text.lastIndexOf('\n') + 1;
    if (text.length > lineStart && kinds[text.length - 1] !== Kind.Code) return undefined;
    const line = text.slice(lineStart);
    const names = PY_NAMES.exec(line);
    if (names) {
      const prefix = names[1] ?? '';
      return { anchor: text.length - prefix.length, prefix, required: true, key: 'name' };
    }
    const module = PY_MODULE.exec(line);
    if (!module) return undefined;
    const prefix = module[2] ?? '';
    return { anchor: text.length - prefix.length, prefix, required: true, key: 'module' };
  }
  const s = openStringAtEnd(text, kinds, language);
  if (!s || !isModuleSpecifier(text, s.quoteAt, language)) return undefined;
  const slash = s.content.lastIndexOf('/');
  const prefix = s.content.slice(slash + 1);
  return { anchor: text.length - prefix.length, prefix, required: true, key: `${s.quote}${slash === -1 ? 'first' : ''}${/^(\.\.?\/)*$/.test(s.content.slice(0, slash + 1)) ? 'relative' : ''}` };
}

/** The names a TS import statement ending in `before` (`import { a, type B as C } from '…`) takes from the module. */
export function importedNames(before: string): string[] {
  const m = /(?:^|\n)[ \t]*(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"][^'"\n]*$/.exec(before);
  if (!m) return [];
  return m[1]!
    .split(',')
    .map((part) => part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim())
    .filter((name) => /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name));
}

/** How long folder listings and export lists are reused across questions (other files may change meanwhile). */
const REUSE_MS = 20_000;

/** Per analysis (one file of one workspace): folder listings and module exports by specifier path, with when they were asked. */
const known = new WeakMap<Analysis, Map<string, { readonly at: number; readonly answer: Promise<readonly AnalysisItem[]> }>>();

/** `ask()`'s answer for `key`, reused for `REUSE_MS` per analysis; a failed question is not kept. */
function reuse(analysis: Analysis, key: string, ask: () => Promise<readonly AnalysisItem[]>): Promise<readonly AnalysisItem[]> {
  let answers = known.get(analysis);
  if (!answers) known.set(analysis, (answers = new Map()));
  const now = Date.now();
  const hit = answers.get(key);
  if (hit && now - hit.at < REUSE_MS) return hit.answer;
  const answer = ask();
  answers.set(key, { at: now, answer });
  answer.catch(() => answers.delete(key));
  return answer;
}

/**
 * The modules below a TS import statement's specifier, as the server lists them, with the question of which
 * export given names. `before` ends inside the specifier string (`… from './models/`); paths are specifier
 * texts. Listings and export lists are reused across questions for a while (`REUSE_MS`).
 */
class SpecifierSearch {
  private readonly head: string;
  private readonly statement: string;
  private readonly found = new Map<string, Promise<boolean>>();

  constructor(
    private readonly analysis: Analysis,
    before: string,
    private readonly quote: string,
    private readonly rest: string,
    private readonly names: readonly string[],
    private readonly signal: AbortSignal,
  ) {
    const quoteAt = before.lastIndexOf(quote);
    this.head = before.slice(0, quoteAt + 1);
    this.statement = before.slice(0, before.lastIndexOf('{', quoteAt));
  }

  /** What the server lists in the folder `path` (a specifier ending in `/`, or '' for the first segment). */
  list(path: string): Promise<readonly AnalysisItem[]> {
    return reuse(this.analysis, `list\u0000${path}`, () => this.analysis.completions(this.head + path, this.quote + this.rest, this.signal));
  }

  /** Whether the module `path` exports every name (asked inside `import {  } from 'path'`). */
  private async exportsAll(path: string): Promise<boolean> {
    const exported = await reuse(this.analysis, `exports\u0000${path}`, () =>
      this.analysis.completions(`${this.statement}{ `, ` } from ${this.quote}${path}${this.quote}${this.rest}`, this.signal),
    );
    const have = new Set(exported.map((i) => i.name));
    return this.names.every((n) => have.has(n));
  }

  /** Whether `path` (a file) or something below it (a folder, `depth` levels down) exports every name. */
  provides(path: string, depth: number): Promise<boolean> {
    if (this.names.length === 0) return Promise.resolve(true);
    let answer = this.found.get(path);
    if (!answer) {
      answer = path.endsWith('/') ? this.anyBelow(path, depth) : this.exportsAll(path);
      this.found.set(path, answer);
    }
    return answer;
  }

  private async anyBelow(folder: string, depth: number): Promise<boolean> {
    if (depth < 0) return false;
    for (const item of await this.list(folder)) {
      const child = item.kind === 'folder' ? `${folder}${item.name}/` : `${folder}${item.name}`;
      if (item.kind === 'folder' && depth === 0) continue;
      if (await this.provides(child, depth - 1)) return true;
    }
    return false;
  }
}

/**
 * Imports: TypeScript module specifiers (`from './…'`) segment by segment — each one a file or folder the
 * server lists there (a file ends the specifier, a folder goes on with `/`); Python `import m` / `from m import
 * n`: module names and the names module `m` has. Where the server lists nothing the specifier is free (tsgo
 * offers no bare package names, so a first segment with no listing is never constrained). When the statement
 * already names what it imports (`import { Customer } from '`), a file is legal only if its module exports
 * all of those names (one completion question per file the folder lists).
 */
export const importMonitor: WordMonitor = {
  kind: 'imports',
  shape: 'word',
  languages: ['typescript', 'javascript', 'python'],
  slot: ({ text, kinds, language }) => importSlot(text, kinds, language),
  startsWord: (ch) => isIdentifierChar(ch) || ch === '.' || ch === '@',
  async ask(analysis, { before, after, language, slot }, signal) {
    const key = slot.key ?? '';
    if (language === 'python') {
      const items = await analysis.completions(before, restOfDocument(after), signal);
      const wanted = items.filter((i) => (key === 'module' ? i.kind === 'module' : i.kind !== 'keyword'));
      return wanted.length ? wanted.map((i) => i.name) : undefined;
    }
    const quote = key[0]!;
    const search = new SpecifierSearch(analysis, before, quote, restOfDocument(after), importedNames(before), signal);
    const content = before.slice(before.lastIndexOf(quote) + 1);
    const folder = content.slice(0, content.lastIndexOf('/') + 1);
    const items = await search.list(folder);
    if (items.length === 0 && key.includes('first')) return undefined;
    const words = new Set<string>();
    // A folder is legal if a module in it or in one of its folders exports the statement's names.
    const candidates: [word: string, path: string][] = items.flatMap((i): [string, string][] =>
      i.kind === 'folder' ? [[`${i.name}/`, `${folder}${i.name}/`]] : i.kind === 'module' ? [[i.name + quote, ''], [`${i.name}/`, '']] : [[i.name + quote, folder + i.name]],
    );
    if (key.includes('relative')) candidates.push(['./', `${folder}./`], ['../', `${folder}../`]);
    for (const [word, path] of candidates) if (path === '' || (await search.provides(path, 1))) words.add(word);
    return words.size ? [...words] : undefined;
  },
  chosen: (rest) => /^[^'"\n/]*/.exec(rest)![0],
};
