import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { readJsonLines } from '../util/json-lines.js';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../decode/sampling.js';
import { isInsideRoot, resolveWorkspaceFile, resolveWorkspaceRoot } from '../engine/workspace.js';
import { closersNeeded, findDereference } from '../lang/dereference.js';
import { classify, Kind } from '../lang/lexical.js';
import type { Language } from '../lang/language.js';
import type { ServerPool } from '../lsp/pool.js';
import { findFunctions } from './functions.js';
import { sourceFiles, TsProject } from './ts-project.js';

/**
 * One evaluation item (a DotPrompts-style site): a dereference point inside a non-trivial method whose
 * member is defined in another file or a library.
 */
export interface DatasetSite {
  readonly id: string;
  /** Absolute path of the repository. */
  readonly repo: string;
  readonly language: Language;
  /** Path inside the repository. */
  readonly file: string;
  /** The method: name and character range (body start to end) in the file. */
  readonly method: { readonly name: string; readonly bodyStart: number; readonly end: number };
  /** Offset of the dot. */
  readonly dot: number;
  /** The member the code has after the dot. */
  readonly member: string;
  /** The prompt: the file up to and including the dot. */
  readonly prompt: string;
  /** Ground truth: the rest of the method after the dot. */
  readonly target: string;
  /** The file after the method. */
  readonly after: string;
  /** How the cursor sits in the method, for cutting at its end: brackets open (TS: with the body's `{`), body indentation (Python). */
  readonly openDepth: number;
  readonly bodyIndent: number;
}

export interface BuildOptions {
  readonly maxSites?: number;
  readonly seed?: number;
  /** Methods need at least this many statements. Default 2. */
  readonly minStatements?: number;
  readonly log?: (line: string) => void;
}

export interface BuildReport {
  readonly sites: DatasetSite[];
  readonly files: number;
  /** Files skipped because they already had type errors (or could not be checked: `reason`). */
  readonly skippedFiles: { readonly file: string; readonly errors: number; readonly reason?: string }[];
  readonly methods: number;
  readonly candidates: number;
  /** Candidates dropped because the member is defined in the same file. */
  readonly local: number;
}

const require = createRequire(import.meta.url);

/** Repository language: the one with more source files. */
export function repoLanguage(repo: string): 'typescript' | 'python' {
  return sourceFiles(repo, 'python').length > sourceFiles(repo, 'typescript').length ? 'python' : 'typescript';
}

/** Files of a Python repository with pyright errors (its own config when present). */
function pythonErrors(repo: string): Map<string, number> {
  const bin = join(dirname(require.resolve('pyright/package.json')), 'index.js');
  const r = spawnSync(process.execPath, [bin, '--outputjson'], { cwd: repo, encoding: 'utf8', timeout: 600_000, maxBuffer: 256 * 2 ** 20 });
  const report = JSON.parse(r.stdout || '{"generalDiagnostics":[]}') as { generalDiagnostics: { file: string; severity: string }[] };
  const counts = new Map<string, number>();
  for (const d of report.generalDiagnostics) if (d.severity === 'error') counts.set(resolve(d.file), (counts.get(resolve(d.file)) ?? 0) + 1);
  return counts;
}

/** Brackets open at `offset`, counted from the method body's start (for TS including the body's own `{`). */
function openBrackets(text: string, bodyStart: number, offset: number, language: Language): number {
  return closersNeeded(text.slice(language === 'python' ? bodyStart : bodyStart - 1, offset), language, Infinity).length;
}

/**
 * Walks a repository that type-checks (files with errors are reported and skipped), finds non-trivial methods
 * and, inside them, dereference points whose member the language server says is defined in another file or
 * a library — the cases where local context is not enough.
 */
export async function buildDataset(repoDir: string, pool: ServerPool, options: BuildOptions = {}): Promise<BuildReport> {
  const repo = resolve(repoDir);
  const language = repoLanguage(repo);
  const log = options.log ?? (() => undefined);
  const skippedFiles: { file: string; errors: number; reason?: string }[] = [];
  let clean: string[];
  if (language === 'typescript') {
    const project = await TsProject.open(repo);
    clean = [];
    try {
      const root = realpathSync(repo);
      for (const f of project.files) {
        // A tsconfig may take in files through links or patterns that lead out of the repository.
        if (!isInsideRoot(root, realpathSync(f))) continue;
        let errors: number;
        try {
          errors = (await project.errors(f)).length;
        } catch (e) {
          skippedFiles.push({ file: relative(repo, f), errors: 0, reason: (e as Error).message });
          continue;
        }
        if (errors) skippedFiles.push({ file: relative(repo, f), errors });
        else clean.push(f);
      }
    } finally {
      await project.dispose();
    }
  } else {
    const files = sourceFiles(repo, language);
    const errors = pythonErrors(repo);
    clean = files.filter((f) => !errors.has(f));
    for (const f of files) if (errors.has(f)) skippedFiles.push({ file: relative(repo, f), errors: errors.get(f)! });
  }
  log(`${clean.length} of ${clean.length + skippedFiles.length} files type-check; skipped ${skippedFiles.length}`);

  const candidates: DatasetSite[] = [];
  let methods = 0;
  for (const file of clean) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(repo, file);
    for (const fn of findFunctions(language, text, file)) {
      if (fn.statements < (options.minStatements ?? 2)) continue;
      methods++;
      const body = text.slice(fn.bodyStart, fn.end);
      const kinds = classify(language, body);
      const bodyIndent = language === 'python' ? /^[ \t]*/.exec(body)![0].length : 0;
      for (let i = 0; i < body.length; i++) {
        if (body[i] !== '.' || kinds[i] !== Kind.Code) continue;
        const dot = fn.bodyStart + i;
        const member = /^[\p{L}_$][\p{L}\p{N}_$]*/u.exec(text.slice(dot + 1))?.[0];
        if (!member || !findDereference(text, dot + 1, language)) continue;
        candidates.push({
          id: `${rel}:${dot}`,
          repo,
          language,
          file: rel,
          method: { name: fn.name, bodyStart: fn.bodyStart, end: fn.end },
          dot,
          member,
          prompt: text.slice(0, dot + 1),
          target: text.slice(dot + 1, fn.end),
          after: text.slice(fn.end),
          openDepth: openBrackets(text, fn.bodyStart, dot + 1, language),
          bodyIndent,
        });
      }
    }
  }
  // Innermost method only: a dot inside a nested function belongs to the nested one.
  const innermost = new Map<string, DatasetSite>();
  for (const c of candidates) {
    const seen = innermost.get(`${c.file}:${c.dot}`);
    if (!seen || c.method.bodyStart > seen.method.bodyStart) innermost.set(`${c.file}:${c.dot}`, c);
  }
  const unique = [...innermost.values()];
  // Seeded shuffle, then keep the non-local ones until enough.
  const random = seededRandom(options.seed ?? 1);
  for (let i = unique.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [unique[i], unique[j]] = [unique[j]!, unique[i]!];
  }
  const sites: DatasetSite[] = [];
  let local = 0;
  const server = pool.server(repo, language);
  for (const c of unique) {
    if (options.maxSites !== undefined && sites.length >= options.maxSites) break;
    const file = join(repo, c.file);
    const text = c.prompt + c.target + c.after;
    const targets = await server.definition(file, text, c.dot + 1).catch(() => [] as string[]);
    const paths = targets.map((u) => (u.startsWith('file:') ? fileURLToPath(u) : u));
    if (paths.length === 0 || paths.some((p) => resolve(p) === file)) {
      local++;
      continue;
    }
    sites.push(c);
  }
  sites.sort((a, b) => a.file.localeCompare(b.file) || a.dot - b.dot);
  log(`${methods} methods, ${unique.length} dereference points, ${local} local, ${sites.length} sites kept`);
  return { sites, files: clean.length + skippedFiles.length, skippedFiles, methods, candidates: unique.length, local };
}

/** A dataset file that cannot be used (the message names the file and line). */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

const SITE_STRINGS = ['id', 'repo', 'file', 'member', 'prompt', 'target', 'after'] as const;
const SITE_INTEGERS = ['dot', 'openDepth', 'bodyIndent'] as const;

/** Why `value` is not a usable `DatasetSite`, or undefined. Checks shapes and that its repository and file exist. */
export function siteProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const s = value as Record<string, unknown>;
  for (const key of SITE_STRINGS) if (typeof s[key] !== 'string') return `"${key}" must be a string`;
  for (const key of SITE_INTEGERS) if (!Number.isInteger(s[key]) || (s[key] as number) < 0) return `"${key}" must be a non-negative integer`;
  if (s['language'] !== 'typescript' && s['language'] !== 'javascript' && s['language'] !== 'python') return '"language" must be typescript, javascript or python';
  const m = s['method'] as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || typeof m['name'] !== 'string' || !Number.isInteger(m['bodyStart']) || !Number.isInteger(m['end'])) {
    return '"method" must be { name, bodyStart, end }';
  }
  if ((s['prompt'] as string).length !== (s['dot'] as number) + 1) return '"prompt" must be the file up to and including the dot';
  try {
    resolveWorkspaceFile(resolveWorkspaceRoot(s['repo'] as string), s['file'] as string);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** Reads a dataset (JSON Lines of `DatasetSite`) and checks every line before anything runs. */
export function loadDataset(file: string): DatasetSite[] {
  return readJsonLines<DatasetSite>(file, { entry: 'dataset site', entries: 'dataset' }, siteProblem, (m) => new DatasetError(m));
}
