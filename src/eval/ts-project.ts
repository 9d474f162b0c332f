import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../engine/package-root.js';
import { isInsideRoot } from '../engine/workspace.js';

const require = createRequire(import.meta.url);
type TS = typeof import('typescript5');
let tsModule: TS | undefined;
/** TypeScript 5's compiler API (TypeScript 7 offers none in process). */
export function typescript(): TS {
  return (tsModule ??= require('typescript5') as TS);
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'out', '.git', 'coverage', '__tests__', 'tests', 'test', '__snapshots__']);

/**
 * Source files of a repository: `.ts`/`.tsx` (not `.d.ts`, not tests) or `.py`, outside build and test folders.
 * Symbolic links are followed only while they stay inside the repository, and each real folder is walked once,
 * so a link out of it (to `/etc`) or a loop of links is skipped; the walk keeps its own stack, so depth is no limit.
 */
export function sourceFiles(repo: string, language: 'typescript' | 'python'): string[] {
  const root = realpathSync(repo);
  const wanted = (name: string) =>
    language === 'python' ? /\.py$/.test(name) && !/^test_|_test\.py$/.test(name) : /\.tsx?$/.test(name) && !/\.d\.ts$|\.(test|spec)\.tsx?$/.test(name);
  const out: string[] = [];
  const seen = new Set<string>([root]);
  const pending = [repo];
  while (pending.length) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir).sort().reverse(); // reversed: the stack pops them in order
    } catch {
      continue;
    }
    const files: string[] = [];
    for (const name of names) {
      const path = join(dir, name);
      let stat;
      let real = path;
      try {
        if (lstatSync(path).isSymbolicLink()) {
          real = realpathSync(path); // throws for a loop or a dangling link
          if (!isInsideRoot(root, real)) continue;
        }
        stat = statSync(real);
      } catch {
        continue;
      }
      if (stat.isDirectory()) {
        if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
        const key = realpathSync(real);
        if (seen.has(key)) continue;
        seen.add(key);
        pending.push(path);
      } else if (stat.isFile() && wanted(name)) {
        files.push(path);
      }
    }
    out.push(...files.reverse());
  }
  return out.sort();
}

/** One diagnostic of `TsProject.errors`. */
export interface TsError {
  readonly code: string;
  readonly message: string;
  readonly line: number;
}

/**
 * A TypeScript project type-checked in process with the repository's own `tsconfig.json` (or strict defaults
 * over its sources when it ships none), where any file can be replaced by an in-memory version. The checker runs
 * in a worker thread with a 256 MiB stack: TypeScript's checker recurses along chains of imports and
 * initializers, and a 2,000-deep chain overflows the main thread's stack.
 */
export class TsProject {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(
    readonly repo: string,
    private readonly worker: Worker,
    readonly files: readonly string[],
  ) {}

  /** Loads the project (its tsconfig or its sources) in a new checker thread. */
  static async open(repo: string): Promise<TsProject> {
    const worker = new Worker(workerFile(), { workerData: { repo }, resourceLimits: { stackSizeMb: 256 } });
    worker.unref();
    const project = new TsProject(repo, worker, []);
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const call = project.pending.get(m.id);
      project.pending.delete(m.id);
      if (project.pending.size === 0) worker.unref();
      if (m.error !== undefined) call?.reject(new Error(m.error));
      else call?.resolve(m.result);
    });
    const fail = (e: Error) => {
      project.failure = e;
      for (const call of project.pending.values()) call.reject(e);
      project.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`the TypeScript checker failed: ${e.message}`)));
    worker.on('exit', () => fail(new Error('the TypeScript checker stopped')));
    const files = (await project.call('files')) as string[];
    return Object.assign(project, { files }) as TsProject;
  }

  private call(method: 'files' | 'errors', ...args: unknown[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // The thread keeps the process alive only while a call is waiting on it.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  /** Error diagnostics of `file` (as `text` when given, else as on disk): code and message, no positions. */
  errors(file: string, text?: string): Promise<TsError[]> {
    return this.call('errors', file, text) as Promise<TsError[]>;
  }

  relative(file: string): string {
    return relative(this.repo, file);
  }

  /** Stops the checker's thread. */
  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The worker's script: beside this module when built; from `dist/` when this module runs from source (tests). */
function workerFile(): URL {
  const sibling = new URL('./ts-project-worker.js', import.meta.url);
  if (existsSync(sibling)) return sibling;
  return pathToFileURL(join(packageRoot(), 'dist', 'src', 'eval', 'ts-project-worker.js'));
}
