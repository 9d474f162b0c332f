import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { isInsideRoot, resolveWorkspaceFile, WorkspaceError } from '../engine/workspace.js';
import { HttpError } from './errors.js';

const forbidden = (message: string, param: string) => new HttpError(403, message, 'permission_error', param, 'outside_workspace_root');
const notFound = (message: string, param: string) => new HttpError(404, message, 'invalid_request_error', param, 'not_found');

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The service's view of the file system: only folders inside one of the configured roots, judged after every
 * symbolic link is resolved. Anything else is 403, whether or not it exists (the answer says nothing about
 * what lies outside).
 */
export class WorkspaceRoots {
  readonly roots: readonly string[];

  constructor(roots: readonly string[]) {
    this.roots = roots.map((r) => {
      const real = realOrUndefined(resolve(r));
      if (!real || !statSync(real).isDirectory()) throw new WorkspaceError('workspace-not-found', `workspace root not found: ${r}`);
      return real;
    });
  }

  private inside(path: string): boolean {
    return this.roots.some((root) => isInsideRoot(root, path));
  }

  /** The real path of a requested workspace folder. */
  workspace(requested: string): string {
    if (!isAbsolute(requested)) throw forbidden(`workspace must be an absolute path inside a workspace root, got ${requested}`, 'workspace');
    const lexical = resolve(requested);
    if (!this.inside(lexical)) throw forbidden(`workspace ${requested} is outside the service's workspace roots`, 'workspace');
    const real = realOrUndefined(lexical);
    if (real === undefined) throw notFound(`workspace not found: ${requested}`, 'workspace');
    if (!this.inside(real)) throw forbidden(`workspace ${requested} leads outside the service's workspace roots (to ${real})`, 'workspace');
    if (!statSync(real).isDirectory()) throw notFound(`workspace is not a folder: ${requested}`, 'workspace');
    return real;
  }

  /**
   * The real path of a file of `workspace` (relative to it, or absolute inside it). With `unsaved` the file
   * need not exist on disk (a new buffer), but its folder must, inside the workspace.
   */
  file(workspace: string, requested: string, unsaved: boolean): string {
    try {
      return resolveWorkspaceFile(workspace, requested);
    } catch (e) {
      if (!(e instanceof WorkspaceError)) throw e;
      if (e.code === 'outside-workspace') throw forbidden(e.message, 'file');
      if (e.code === 'file-not-found' && unsaved) {
        const path = resolve(workspace, requested);
        const folder = realOrUndefined(dirname(path));
        if (folder && isInsideRoot(workspace, folder)) return resolve(folder, basename(path));
      }
      throw notFound(e.message, 'file');
    }
  }
}
