import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { offsetAt } from '../lsp/text.js';
import { UsageError } from './args.js';

/** A file position given as `FILE:LINE:COL` (1-based, as editors show them), resolved in a workspace. */
export interface FilePosition {
  readonly workspace: string;
  readonly file: string;
  readonly text: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** Thrown for a position that names a missing file or lies outside it: a runtime error (exit 1). */
export class PositionError extends Error {
  override readonly name = 'PositionError';
}

export function resolveWorkspace(dir: string | undefined): string {
  if (!dir) throw new UsageError('--workspace DIR is required');
  const workspace = resolve(dir);
  if (!existsSync(workspace) || !statSync(workspace).isDirectory()) throw new PositionError(`workspace not found: ${dir}`);
  return workspace;
}

/** Parses `--at FILE:LINE:COL` and reads the file. */
export function resolvePosition(workspaceDir: string | undefined, at: string | undefined): FilePosition {
  const workspace = resolveWorkspace(workspaceDir);
  if (!at) throw new UsageError('--at FILE:LINE:COL is required');
  const m = /^(.+):(\d+):(\d+)$/.exec(at);
  if (!m) throw new UsageError(`--at must be FILE:LINE:COL (1-based), got "${at}"`);
  const [, name, lineText, colText] = m;
  const file = isAbsolute(name!) ? name! : resolve(workspace, name!);
  if (!existsSync(file) || !statSync(file).isFile()) throw new PositionError(`file not found: ${file}`);
  const text = readFileSync(file, 'utf8');
  const line = Number(lineText);
  const column = Number(colText);
  const offset = line >= 1 && column >= 1 ? offsetAt(text, line - 1, column - 1) : undefined;
  if (offset === undefined) {
    const lines = text.split('\n');
    const lineLength = lines[line - 1]?.length;
    const why = lineLength === undefined ? `the file has ${lines.length} lines` : `line ${line} has ${lineLength} characters`;
    throw new PositionError(`position ${line}:${column} is outside ${name} (${why})`);
  }
  return { workspace, file, text, offset, line, column };
}
