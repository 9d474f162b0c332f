import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { readJsonLines } from '../util/json-lines.js';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../decode/sampling.js';
import { isInsideRoot, resolveWorkspaceFile, resolveWorkspaceRoot } from '../engine/workspace.js';
import { closersNeeded } from '../lang/dereference.js';
import type { Language } from '../lang/language.js';
import { lspAnalysis } from '../engine/monitors.js';
import { classify } from '../lang/lexical.js';
import { OFFLINE_WARMUP_MS, type ServerPool } from '../lsp/pool.js';
import { positionAt } from '../lsp/text.js';
import { argumentCountMonitor } from '../monitor/kinds/call.js';
import { fitsWords, type WordMonitor } from '../monitor/monitor.js';
import { monitorsOf } from '../monitor/monitors.js';
import { MONITOR_KINDS, type Analysis, type MonitorKind } from '../monitor/types.js';
import { siteDocument } from './sites.js';
import { lineSites } from './line-sites.js';
import { findFunctions } from './functions.js';
import { findKindSites, type KindSite } from './site-kinds.js';
import { sourceFiles, TsProject } from './ts-project.js';

/**
 * One evaluation item: a place in a non-trivial method where a monitor of `kind` fires on the real code
 * (the PragmaticCode/DotPrompts-style dereference site is kind `deref`: the cursor right after a dot whose
 * member is defined in another file or a library). The fixture sites of the tests are the same records.
 */
export interface DatasetSite {
  readonly id: string;
  /** Absolute path of the repository (in a dataset file it may be relative to the file's folder). */
  readonly repo: string;
  readonly language: Language;
  /** Path inside the repository. */
  readonly file: string;
  /** The monitor whose trigger defines the site, or `line` for the line-completion task. */
  readonly kind: SiteKind;
  /** `line` sites: the cursor at the line's indentation or mid-line. */
  readonly position?: 'indent' | 'mid';
  /** The method: name and character range (body start to end) in the file; for an import, its line. */
  readonly method: { readonly name: string; readonly bodyStart: number; readonly end: number };
  /** Offset of the cursor (right after the dot for `deref`). */
  readonly cursor: number;
  /** What the code writes at the cursor: the member after the dot, the key, … (see `KindSite.expected`). */
  readonly expected: string;
  /** `deref`: whether the member is defined in the same file (kept only when building with `keepLocal`). */
  readonly local?: boolean;
  /** The prompt: the file up to the cursor. */
  readonly prompt: string;
  /** Ground truth: the rest of the method after the cursor (`line` sites: the rest of the line). */
  readonly target: string;
  /** The file after the method. */
  readonly after: string;
  /** How the cursor sits in the method, for cutting at its end: brackets open (TS: with the body's `{`), body indentation (Python). */
  readonly openDepth: number;
  readonly bodyIndent: number;
}

/** What a site is for: the trigger of a monitor, or the line-completion task. */
export type SiteKind = MonitorKind | 'line';
export const SITE_KINDS: readonly SiteKind[] = [...MONITOR_KINDS, 'line'];

export interface BuildOptions {
  /**
   * `monitor` (default): the sites of the monitor `kinds`; `line`: the line-completion task's cursors (at a
   * line's indentation and mid-line inside methods; the target is the rest of the line, the file's real text
   * follows it).
   */
  readonly task?: 'monitor' | 'line';
  /** Site kinds to find (default: `deref` only). */
  readonly kinds?: readonly MonitorKind[];
  /** At most this many sites per kind. */
  readonly maxSites?: number;
  /** Keep dereferences whose member is defined in the same file too (marked `local`). Default false. */
  readonly keepLocal?: boolean;
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
  /** Dereference candidates whose member is defined in the same file (dropped unless `keepLocal`). */
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
    log(`type-checking with ${project.compilerName}`);
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

  const lineTask = options.task === 'line';
  const kinds: readonly SiteKind[] = lineTask ? ['line'] : (options.kinds ?? ['deref']);
  const random = seededRandom(options.seed ?? 1);
  const candidates: DatasetSite[] = [];
  let methods = 0;
  for (const file of clean) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(repo, file);
    type Found = { readonly kind: SiteKind; readonly cursor: number; readonly expected: string; readonly position?: 'indent' | 'mid' };
    const site = (found: Found, method: DatasetSite['method'], bodyIndent: number, openDepth: number): DatasetSite => ({
      id: `${rel}:${lineColumn(text, found.cursor)}${found.kind === 'deref' ? '' : `:${found.kind}`}`,
      repo,
      language,
      file: rel,
      kind: found.kind,
      ...(found.position ? { position: found.position } : {}),
      method,
      cursor: found.cursor,
      expected: found.expected,
      prompt: text.slice(0, found.cursor),
      // A line site's target is the rest of its line; every other site's, the rest of its method.
      target: text.slice(found.cursor, found.kind === 'line' ? found.cursor + found.expected.length : method.end),
      after: text.slice(found.kind === 'line' ? found.cursor + found.expected.length : method.end),
      openDepth,
      bodyIndent,
    });
    // The file's sites in one pass, each then given to the methods around it (the innermost is kept below).
    const found: readonly KindSite[] = lineTask ? [] : findKindSites(text, language, kinds.filter((k): k is MonitorKind => k !== 'imports' && k !== 'line'));
    const codeKinds = lineTask ? classify(language, text) : undefined;
    for (const fn of findFunctions(language, text, file)) {
      if (fn.statements < (options.minStatements ?? 2)) continue;
      methods++;
      const body = text.slice(fn.bodyStart, fn.end);
      const bodyIndent = language === 'python' ? /^[ \t]*/.exec(body)![0].length : 0;
      const method = { name: fn.name, bodyStart: fn.bodyStart, end: fn.end };
      for (const f of found) {
        if (f.cursor < fn.bodyStart || f.cursor >= fn.end) continue;
        candidates.push(site(f, method, bodyIndent, openBrackets(text, fn.bodyStart, f.cursor, language)));
      }
      if (codeKinds) {
        for (const l of lineSites(text, language, fn, random, codeKinds)) candidates.push(site({ kind: 'line', cursor: l.cursor, expected: l.target, position: l.position }, method, 0, 0));
      }
    }
    // Imports are statements of their own (found in a pass of their own: `from shop.` is an import there, not a
    // dereference): the site's "method" is its line.
    for (const f of kinds.includes('imports') ? findKindSites(text, language, ['imports']) : []) {
      const lineStart = text.lastIndexOf('\n', f.cursor - 1) + 1;
      const lineEnd = text.indexOf('\n', f.cursor);
      candidates.push(site(f, { name: '(import)', bodyStart: lineStart, end: lineEnd === -1 ? text.length : lineEnd }, 0, 0));
    }
  }
  // Innermost method only: a site inside a nested function belongs to the nested one.
  const innermost = new Map<string, DatasetSite>();
  for (const c of candidates) {
    const key = `${c.file}:${c.cursor}:${c.kind}`;
    const seen = innermost.get(key);
    if (!seen || c.method.bodyStart > seen.method.bodyStart) innermost.set(key, c);
  }
  const unique = [...innermost.values()];
  // Seeded shuffle, then keep (for dereferences: the non-local ones) until enough of each kind.
  for (let i = unique.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [unique[i], unique[j]] = [unique[j]!, unique[i]!];
  }
  const sites: DatasetSite[] = [];
  const kept = new Map<SiteKind, number>();
  let local = 0;
  let inapplicable = 0;
  const server = pool.server(repo, language);
  if (!lineTask && unique.length) await pool.warmUp(repo, join(repo, unique[0]!.file), unique[0]!.prompt + unique[0]!.target + unique[0]!.after, OFFLINE_WARMUP_MS);
  for (const c of unique) {
    if (options.maxSites !== undefined && (kept.get(c.kind) ?? 0) >= options.maxSites) continue;
    let site = c;
    if (c.kind !== 'line' && !(await monitorApplies(c, c.kind, lspAnalysis(pool, repo, join(repo, c.file))))) {
      inapplicable++;
      continue;
    }
    if (c.kind === 'deref') {
      const file = join(repo, c.file);
      const text = c.prompt + c.target + c.after;
      const targets = await server.definition(file, text, c.cursor).catch(() => [] as string[]);
      const paths = targets.map((u) => (u.startsWith('file:') ? fileURLToPath(u) : u));
      const isLocal = paths.length === 0 || paths.some((p) => resolve(p) === file);
      if (isLocal) local++;
      if (isLocal && !options.keepLocal) continue;
      if (options.keepLocal) site = { ...c, local: isLocal };
    }
    kept.set(c.kind, (kept.get(c.kind) ?? 0) + 1);
    sites.push(site);
  }
  sites.sort((a, b) => a.file.localeCompare(b.file) || a.cursor - b.cursor || a.kind.localeCompare(b.kind));
  const perKind = kinds.map((k) => `${kept.get(k) ?? 0} ${k}`).join(', ');
  log(`${methods} methods, ${unique.length} candidate sites (${local} local dereferences, ${inapplicable} where the server's answer does not admit the code's own text), kept ${perKind}`);
  return { sites, files: clean.length + skippedFiles.length, skippedFiles, methods, candidates: unique.length, local };
}

/**
 * Whether the monitor of a candidate judges its place on the real code: the server gives it a set of words
 * that contains what the code writes (members, keys, literals, classes, modules), or signatures for the call
 * (with a parameter of that name, for a keyword argument).
 */
async function monitorApplies(site: DatasetSite, kind: MonitorKind, analysis: Analysis): Promise<boolean> {
  const doc = siteDocument(site);
  const question = { before: site.prompt, after: doc.text.slice(doc.offset), language: site.language };
  const signal = new AbortController().signal;
  try {
    if (kind === 'call' || kind === 'kwargs') {
      const signatures = await argumentCountMonitor.ask(analysis, question, signal);
      if (!signatures) return false;
      if (kind === 'call') return true;
      const name = site.expected.slice(0, -1);
      return signatures.some((s) => s.parameters.some((p) => p.keywords || p.name === name));
    }
    const monitor = monitorsOf([kind]).find((m): m is WordMonitor => m.shape === 'word');
    const slot = monitor?.slot({ text: site.prompt, kinds: classify(site.language, site.prompt), language: site.language });
    if (!monitor || !slot) return false;
    const words = await monitor.ask(analysis, { ...question, prefix: '', slot }, signal);
    return words !== undefined && words.length > 0 && fitsWords(words, site.expected);
  } catch {
    return false;
  }
}

/** 1-based `line:column` of `offset`. */
export function lineColumn(text: string, offset: number): string {
  const { line, character } = positionAt(text, offset);
  return `${line + 1}:${character + 1}`;
}

/** A dataset file that cannot be used (the message names the file and line). */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

const SITE_STRINGS = ['id', 'repo', 'file', 'expected', 'prompt', 'target', 'after'] as const;
const SITE_INTEGERS = ['cursor', 'openDepth', 'bodyIndent'] as const;

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
  if (!(SITE_KINDS as readonly unknown[]).includes(s['kind'])) return `"kind" must be one of ${SITE_KINDS.join(', ')}`;
  if (s['position'] !== undefined && s['position'] !== 'indent' && s['position'] !== 'mid') return '"position" must be indent or mid';
  if ((s['prompt'] as string).length !== s['cursor']) return '"prompt" must be the file up to the cursor';
  try {
    resolveWorkspaceFile(resolveWorkspaceRoot(s['repo'] as string), s['file'] as string);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/**
 * A site as stored, made current: a relative `repo` is resolved against the dataset's folder, and a site of a
 * dataset written before kinds existed (`dot`, `member`) is the dereference site it describes.
 */
function upgradeSite(value: unknown, folder: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const s = { ...(value as Record<string, unknown>) };
  if (s['kind'] === undefined && Number.isInteger(s['dot']) && typeof s['member'] === 'string') {
    s['kind'] = 'deref';
    s['cursor'] = (s['dot'] as number) + 1;
    s['expected'] = s['member'];
    delete s['dot'];
    delete s['member'];
  }
  if (typeof s['repo'] === 'string' && !isAbsolute(s['repo'])) s['repo'] = resolve(folder, s['repo']);
  return s;
}

/** Reads a dataset (JSON Lines of `DatasetSite`) and checks every line before anything runs. */
export function loadDataset(file: string): DatasetSite[] {
  const folder = dirname(resolve(file));
  return readJsonLines<DatasetSite>(file, { entry: 'dataset site', entries: 'dataset' }, siteProblem, (m) => new DatasetError(m), (value) => upgradeSite(value, folder));
}
