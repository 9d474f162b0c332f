import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { makeTempDir } from '../util/temp-dir.js';
import type { MonitorKind } from '../monitor/types.js';

/** One version of one file of a workspace, to type-check with the rest of its workspace. */
export interface Variant {
  readonly id: string;
  readonly workspace: string;
  /** Absolute path of the file inside `workspace`. */
  readonly file: string;
  readonly text: string;
}

export interface CheckDiagnostic {
  readonly variant: string;
  /** Path inside the workspace. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** `TS2339`, or pyright's rule name. */
  readonly code: string;
  readonly message: string;
}

/** "Property does not exist" diagnostics: TypeScript 2339 / 2551, pyright's attribute-access rule. */
export const MISSING_MEMBER_CODES: ReadonlySet<string> = new Set(['TS2339', 'TS2551', 'reportAttributeAccessIssue']);

/**
 * Whether a diagnostic says a member does not exist. pyright's attribute-access rule also covers assigning a
 * wrong type to a real attribute; only "Cannot access attribute" / "is not a known attribute" count.
 */
export function isMissingMember(d: CheckDiagnostic): boolean {
  if (!MISSING_MEMBER_CODES.has(d.code)) return false;
  return d.code !== 'reportAttributeAccessIssue' || /Cannot access attribute|is not a known attribute|is unknown/.test(d.message);
}

const require = createRequire(import.meta.url);

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 2 ** 20 }, (error, stdout) => {
      // Both checkers exit non-zero when they find errors; only a kill or a missing binary is a failure.
      if (error && (error.killed || typeof error.code !== 'number')) reject(new Error(`${command} failed: ${error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Lays out `text` as `file` of `workspace` inside `dir` without copying the workspace: the folders on the way
 * to the file are real, everything else in them is a symbolic link to the workspace's own entry, and the file
 * itself is written. pyright resolves imports through the links exactly as in the workspace.
 */
export function overlayWorkspace(dir: string, workspace: string, file: string, text: string): void {
  const parts = relative(workspace, file).split(sep);
  let from = workspace;
  let to = dir;
  mkdirSync(to, { recursive: true });
  parts.forEach((part, i) => {
    for (const name of readdirSync(from)) if (name !== part) symlinkSync(join(from, name), join(to, name));
    if (i === parts.length - 1) {
      writeFileSync(join(to, part), text);
    } else {
      from = join(from, part);
      to = join(to, part);
      mkdirSync(to);
    }
  });
}

/**
 * Type-checks many variants of Python files in one pyright run. Each variant gets a folder (`v0/`, `v1/`, …)
 * that overlays its file on its workspace (`overlayWorkspace`: links, no copies), and pyright checks just the
 * variants' files, resolving their imports through the links. Variants with the same workspace, file and text
 * share one folder. (TypeScript variants are checked in process by `TsProject`.)
 */
export async function typecheckPythonVariants(variants: readonly Variant[], timeoutMs = 300_000): Promise<CheckDiagnostic[]> {
  if (variants.length === 0) return [];
  const temp = makeTempDir('lsp-codegen-check-');
  const root = temp.path;
  try {
    const dirOf = new Map<string, string>();
    const byDir = new Map<string, Variant[]>();
    for (const v of variants) {
      const key = `${v.workspace}\0${v.file}\0${v.text}`;
      let dir = dirOf.get(key);
      if (!dir) {
        dir = `v${dirOf.size}`;
        dirOf.set(key, dir);
        overlayWorkspace(join(root, dir), v.workspace, v.file, v.text);
      }
      byDir.set(dir, [...(byDir.get(dir) ?? []), v]);
    }
    const files = [...byDir].map(([dir, [v]]) => join(dir, relative(v!.workspace, v!.file)));
    return await pyright(root, files, byDir, timeoutMs);
  } finally {
    temp.remove();
  }
}

async function pyright(root: string, files: string[], byDir: Map<string, Variant[]>, timeoutMs: number): Promise<CheckDiagnostic[]> {
  const dirs = [...byDir.keys()];
  writeFileSync(
    join(root, 'pyrightconfig.json'),
    JSON.stringify({ include: files, executionEnvironments: dirs.map((d) => ({ root: d })), typeCheckingMode: 'standard', pythonVersion: '3.11' }),
  );
  const bin = join(dirname(require.resolve('pyright/package.json')), 'index.js');
  const out = await run(process.execPath, [bin, '--outputjson', '-p', join(root, 'pyrightconfig.json')], root, timeoutMs);
  const report = JSON.parse(out) as { generalDiagnostics: { file: string; severity: string; message: string; rule?: string; range: { start: { line: number } } }[] };
  const diagnostics: CheckDiagnostic[] = [];
  for (const d of report.generalDiagnostics) {
    if (d.severity !== 'error') continue;
    const rel = relative(root, d.file);
    const [dir, ...rest] = rel.split(sep);
    for (const variant of byDir.get(dir!) ?? []) {
      diagnostics.push({ variant: variant.id, file: rest.join('/'), line: d.range.start.line + 1, code: d.rule ?? 'error', message: d.message });
    }
  }
  return diagnostics;
}

/**
 * The monitor kind whose rule a diagnostic breaks, if any: a missing member (`deref`), a call of something
 * not callable or with the wrong number of arguments (`call`), an unknown object-literal key (`keys`), a
 * string outside its literal union (`literals`), `new` on something not constructible (`new`), an import that
 * does not resolve (`imports`), an unknown keyword argument (`kwargs`). TypeScript codes and pyright rules.
 */
export function errorKind(d: Pick<CheckDiagnostic, 'code' | 'message'>): MonitorKind | undefined {
  const { code, message } = d;
  if (isMissingMember({ ...d, variant: '', file: '', line: 0 })) return message.includes('import symbol') ? 'imports' : 'deref';
  switch (code) {
    case 'TS2349':
    case 'TS2554':
    case 'TS2555':
    case 'TS2575':
      return 'call';
    case 'TS2353':
    case 'TS2561':
    case 'TS1117':
      return 'keys';
    case 'TS2678':
      return 'literals';
    case 'TS2322':
    case 'TS2345':
      // A string literal where a union of literals is expected (not a string where a number is expected).
      return /^(Type|Argument of type) '"[^"]*"' is not assignable to (parameter of )?type '(?!(string|number|boolean|bigint|object)')/.test(message) ? 'literals' : undefined;
    case 'TS2511':
    case 'TS2693':
    case 'TS2351':
    case 'TS7009':
      return 'new';
    case 'TS2307':
    case 'TS2305':
    case 'TS2724':
    case 'TS2834':
    case 'TS2835':
    case 'reportMissingImports':
    case 'reportMissingModuleSource':
      return 'imports';
    case 'reportCallIssue':
      return /No parameter named/.test(message) ? 'kwargs' : /positional|Argument missing|Expected \d+|not callable/i.test(message) ? 'call' : undefined;
    case 'reportArgumentType':
    case 'reportAssignmentType':
      return /is not assignable to type "Literal\[/.test(message) ? 'literals' : undefined;
    default:
      return undefined;
  }
}
