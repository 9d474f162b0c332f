import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The lsp-codegen package folder (found from this file, so it works from `src/` and from `dist/`). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lsp-codegen') {
      return (cached = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the lsp-codegen package folder');
    dir = parent;
  }
}

/** The model shipped with the project, used when no model directory is given. */
export function defaultModelDir(): string {
  return join(packageRoot(), 'models', 'code-lm-19m');
}
