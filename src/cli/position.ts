import { readFileSync } from 'node:fs';
import { resolveWorkspaceFile, resolveWorkspaceRoot } from '../engine/workspace.js';
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

/** Thrown for a position that lies outside its file: a runtime error (exit 1). */
export class PositionError extends Error {
  override readonly name = 'PositionError';
}

/** The workspace folder's real path; a usage error when not given, a `WorkspaceError` when not a folder. */
export function resolveWorkspace(dir: string | undefined): string {
  if (!dir) throw new UsageError('--workspace DIR is required');
  return resolveWorkspaceRoot(dir);
}

/**
 * Parses `--at FILE:LINE:COL` and reads the file, which must lie inside the workspace once symbolic links
 * are followed (`WorkspaceError` otherwise).
 */
export function resolvePosition(workspaceDir: string | undefined, at: string | undefined): FilePosition {
  const workspace = resolveWorkspace(workspaceDir);
  if (!at) throw new UsageError('--at FILE:LINE:COL is required');
  const m = /^(.+):(\d+):(\d+)$/.exec(at);
  if (!m) throw new UsageError(`--at must be FILE:LINE:COL (1-based), got "${at}"`);
  const [, name, lineText, colText] = m;
  const file = resolveWorkspaceFile(workspace, name!);
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
