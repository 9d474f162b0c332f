import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Why a file cannot be used in a workspace. */
export type WorkspaceErrorCode = 'workspace-not-found' | 'file-not-found' | 'outside-workspace' | 'not-a-file';

/** A workspace or file the engine must not touch; the message is meant for the user (CLI exit 1, HTTP 403/404). */
export class WorkspaceError extends Error {
  override readonly name = 'WorkspaceError';
  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Whether the real path `path` lies inside the real folder `root`. */
export function isInsideRoot(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The real path of a workspace folder (symbolic links resolved). */
export function resolveWorkspaceRoot(dir: string): string {
  let real: string;
  try {
    real = realpathSync(resolve(dir));
  } catch {
    throw new WorkspaceError('workspace-not-found', `workspace not found: ${dir}`);
  }
  if (!statSync(real).isDirectory()) throw new WorkspaceError('workspace-not-found', `workspace is not a folder: ${dir}`);
  return real;
}

/**
 * Resolves `file` (relative to the workspace, or absolute) to its real path and makes sure it is a file inside
 * the workspace, after following every symbolic link: `../x.py`, `/etc/passwd`, or a link `src/shadow.ts ->
 * /etc/shadow` are refused with `outside-workspace`. `workspace` must already be a real path
 * (`resolveWorkspaceRoot`).
 */
export function resolveWorkspaceFile(workspace: string, file: string): string {
  const path = isAbsolute(file) ? file : resolve(workspace, file);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    // A missing file is "not found" only where it would have been inside; otherwise say it is outside.
    if (!isInsideRoot(workspace, resolve(path))) throw new WorkspaceError('outside-workspace', `${file} is outside the workspace ${workspace}`);
    throw new WorkspaceError('file-not-found', `file not found: ${path}`);
  }
  if (!isInsideRoot(workspace, real)) {
    const via = real === resolve(path) ? '' : ` (it leads to ${real})`;
    throw new WorkspaceError('outside-workspace', `${file} is outside the workspace ${workspace}${via}`);
  }
  if (!statSync(real).isFile()) throw new WorkspaceError('not-a-file', `not a file: ${path}`);
  return real;
}
