import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

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
 * Type-checks many variants of Python files in one pyright run: each variant gets its own copy of its
 * workspace in a temp folder (`v0/`, `v1/`, …) and one run covers them all. (TypeScript variants are checked
 * in process by `TsProject`.)
 */
export async function typecheckPythonVariants(variants: readonly Variant[], timeoutMs = 300_000): Promise<CheckDiagnostic[]> {
  if (variants.length === 0) return [];
  const root = mkdtempSync(join(tmpdir(), 'lsp-codegen-check-'));
  try {
    variants.forEach((v, i) => {
      const dir = join(root, `v${i}`);
      cpSync(v.workspace, dir, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('__pycache__') });
      const target = join(dir, relative(v.workspace, v.file));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, v.text);
    });
    const dirs = variants.map((_, i) => `v${i}`);
    const byDir = new Map(variants.map((v, i) => [`v${i}`, v]));
    return await pyright(root, dirs, byDir, timeoutMs);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function pyright(root: string, dirs: string[], byDir: Map<string, Variant>, timeoutMs: number): Promise<CheckDiagnostic[]> {
  writeFileSync(
    join(root, 'pyrightconfig.json'),
    JSON.stringify({ include: dirs, executionEnvironments: dirs.map((d) => ({ root: d })), typeCheckingMode: 'standard', pythonVersion: '3.11' }),
  );
  const bin = join(dirname(require.resolve('pyright/package.json')), 'index.js');
  const out = await run(process.execPath, [bin, '--outputjson', '-p', join(root, 'pyrightconfig.json')], root, timeoutMs);
  const report = JSON.parse(out) as { generalDiagnostics: { file: string; severity: string; message: string; rule?: string; range: { start: { line: number } } }[] };
  const diagnostics: CheckDiagnostic[] = [];
  for (const d of report.generalDiagnostics) {
    if (d.severity !== 'error') continue;
    const rel = relative(root, d.file);
    const [dir, ...rest] = rel.split('/');
    const variant = byDir.get(dir!);
    if (!variant) continue;
    diagnostics.push({ variant: variant.id, file: rest.join('/'), line: d.range.start.line + 1, code: d.rule ?? 'error', message: d.message });
  }
  return diagnostics;
}
