import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../engine/package-root.js';
import { isInsideRoot } from '../engine/workspace.js';
import { LanguageServer } from '../lsp/language-server.js';
import { tsgo, tsgoLaunch, type ServerSpec } from '../lsp/servers.js';

const require = createRequire(import.meta.url);
type TS = typeof import('typescript5');
let tsModule: TS | undefined;
/** lsp-codegen's own TypeScript 5 compiler API (TypeScript 7 offers none in process): parsing and listing. */
export function typescript(): TS {
  return (tsModule ??= require('typescript5') as TS);
}

/** Which TypeScript judges a repository. */
export interface TsCompiler {
  /** The package folder of the compiler. */
  readonly dir: string;
  readonly version: string;
  /** `api`: the JS API in process (TypeScript ≤ 6); `native`: TypeScript 7's `tsc --lsp`. */
  readonly kind: 'api' | 'native';
  /** Where the repository declares it (a `package.json` relative to the repository), or undefined: lsp-codegen's own. */
  readonly declaredIn: string | undefined;
  /** lsp-codegen's own because the repository's declared `typescript` (this range, in this package.json) is not installed. */
  readonly notInstalled?: { readonly range: string; readonly declaredIn: string };
}

/** How a report names a compiler: `TypeScript 5.4.5 (the repository's own: package.json, JS API)`. */
export function compilerName(c: TsCompiler): string {
  if (c.notInstalled) return `TypeScript ${c.version} (lsp-codegen's; the repository's typescript ${c.notInstalled.range} in ${c.notInstalled.declaredIn} is not installed)`;
  return c.declaredIn === undefined
    ? `TypeScript ${c.version} (lsp-codegen's; the repository declares none)`
    : `TypeScript ${c.version} (the repository's own: ${c.declaredIn}, ${c.kind === 'native' ? 'native tsc --lsp' : 'JS API'})`;
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

/**
 * The repository's own TypeScript: the nearest `package.json` from the repository up the tree (a monorepo's
 * root) that declares `typescript`, resolved from there as Node would. TypeScript 7 is used through its native
 * language server, earlier ones through their JS API. Without one (or when it is declared but not installed),
 * lsp-codegen's own TypeScript 5.
 */
export function repositoryCompiler(repo: string): TsCompiler {
  let notInstalled: TsCompiler['notInstalled'];
  for (let dir = resolve(repo); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    let declared: string | undefined;
    try {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, Record<string, unknown> | undefined>;
      declared = DEPENDENCY_FIELDS.map((f) => pkg[f]?.['typescript']).find((v): v is string => typeof v === 'string');
    } catch {
      // no (readable) package.json here
    }
    if (declared !== undefined) {
      const declaredIn = relative(repo, manifest);
      try {
        const pkgFile = createRequire(manifest).resolve('typescript/package.json');
        const version = versionOf(pkgFile);
        return { dir: dirname(pkgFile), version, kind: Number(version.split('.')[0]) >= 7 ? 'native' : 'api', declaredIn };
      } catch {
        notInstalled = { range: declared, declaredIn };
        break; // declared but not installed: lsp-codegen's, and the report says why
      }
    }
    if (dirname(dir) === dir) break;
  }
  const pkgFile = require.resolve('typescript5/package.json');
  return { dir: dirname(pkgFile), version: versionOf(pkgFile), kind: 'api', declaredIn: undefined, ...(notInstalled ? { notInstalled } : {}) };
}

function versionOf(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** The nearest `tsconfig.json` from the repository up the tree (a package of a monorepo without its own uses the root's). */
export function nearestTsconfig(repo: string): string | undefined {
  for (let dir = resolve(repo); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.json'))) return join(dir, 'tsconfig.json');
    if (dirname(dir) === dir) return undefined;
  }
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'out', '.git', 'coverage', '__tests__', 'tests', 'test', '__snapshots__']);

/**
 * Source files of a repository: `.ts`/`.tsx` (not `.d.ts`, not tests), `.py`, or its own declaration files
 * (`declarations`: `global.d.ts`, …), outside build and test folders.
 * Symbolic links are followed only while they stay inside the repository, and each real folder is walked once,
 * so a link out of it (to `/etc`) or a loop of links is skipped; the walk keeps its own stack, so depth is no limit.
 */
export function sourceFiles(repo: string, language: 'typescript' | 'python' | 'declarations'): string[] {
  const root = realpathSync(repo);
  const wanted = (name: string) =>
    language === 'python'
      ? /\.py$/.test(name) && !/^test_|_test\.py$/.test(name)
      : language === 'declarations'
        ? /\.d\.[cm]?ts$/.test(name)
        : /\.tsx?$/.test(name) && !/\.d\.ts$|\.(test|spec)\.tsx?$/.test(name);
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

/** Where a project's errors come from: the JS API in a worker thread, or a native language server. */
interface Backend {
  errors(file: string, text?: string): Promise<TsError[]>;
  dispose(): Promise<void>;
}

/**
 * A TypeScript project type-checked with the repository's own compiler (`repositoryCompiler`) and its
 * nearest `tsconfig.json` (strict defaults over its sources when there is none), its own declaration files
 * included, where any file can be replaced by an in-memory version. `files` are the sources (no `.d.ts`).
 */
export class TsProject {
  private constructor(
    readonly repo: string,
    private readonly backend: Backend,
    readonly files: readonly string[],
    readonly compiler: TsCompiler,
  ) {}

  /** Loads the project with the repository's compiler (or `compiler`). */
  static async open(repo: string, compiler: TsCompiler = repositoryCompiler(repo)): Promise<TsProject> {
    if (compiler.kind === 'native') return new TsProject(repo, new NativeBackend(repo, compiler), projectLayout(typescript(), repo).files, compiler);
    const { backend, files } = await WorkerBackend.open(repo, compiler);
    return new TsProject(repo, backend, files, compiler);
  }

  /** Which compiler judges, for reports. */
  get compilerName(): string {
    return compilerName(this.compiler);
  }

  /** Error diagnostics of `file` (as `text` when given, else as on disk): code and message, no positions. */
  errors(file: string, text?: string): Promise<TsError[]> {
    return this.backend.errors(file, text);
  }

  relative(file: string): string {
    return relative(this.repo, file);
  }

  /** Stops the checker (its thread or its server). */
  dispose(): Promise<void> {
    return this.backend.dispose();
  }
}

/** Where a repository's TypeScript project comes from: its nearest tsconfig (as parsed), its sources, its program. */
export interface ProjectLayout {
  /** The nearest tsconfig.json, when there is one, and its parse (undefined: it could not be read). */
  readonly configPath: string | undefined;
  readonly config: import('typescript5').ParsedCommandLine | undefined;
  /** The sources sites may be in: what the tsconfig takes in inside the repository, no declaration files. */
  readonly files: string[];
  /** The program's root files: the sources and the project's own declaration files (`global.d.ts`). */
  readonly roots: string[];
}

/**
 * The project of a repository as compiler `ts` sees it: the files its nearest tsconfig takes in that lie in the
 * repository (all its sources and declaration files when the tsconfig takes in none of them, or there is none).
 */
export function projectLayout(ts: TS, repo: string): ProjectLayout {
  const configPath = nearestTsconfig(repo);
  const config = configPath ? ts.getParsedCommandLineOfConfigFile(configPath, { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined }) : undefined;
  const inRepo = (f: string) => isInsideRoot(resolve(repo), resolve(f));
  const files = (config?.fileNames ?? []).filter((f) => inRepo(f) && !/\.d\.[cm]?ts$/.test(f));
  if (files.length) return { configPath, config, files, roots: config!.fileNames };
  // A tsconfig up the tree that takes in none of this package's files still gives its options.
  const sources = sourceFiles(repo, 'typescript');
  return { configPath, config, files: sources, roots: [...sources, ...sourceFiles(repo, 'declarations')] };
}

/** TypeScript ≤ 6 through its JS API in a worker thread with a 256 MiB stack (the checker recurses along import chains). */
class WorkerBackend implements Backend {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {}

  static async open(repo: string, compiler: TsCompiler): Promise<{ backend: WorkerBackend; files: string[] }> {
    const worker = new Worker(workerFile(), { workerData: { repo, compilerDir: compiler.dir }, resourceLimits: { stackSizeMb: 256 } });
    worker.unref();
    const backend = new WorkerBackend(worker);
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const call = backend.pending.get(m.id);
      backend.pending.delete(m.id);
      if (backend.pending.size === 0) worker.unref();
      if (m.error !== undefined) call?.reject(new Error(m.error));
      else call?.resolve(m.result);
    });
    const fail = (e: Error) => {
      backend.failure = e;
      for (const call of backend.pending.values()) call.reject(e);
      backend.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`the TypeScript checker failed: ${e.message}`)));
    worker.on('exit', () => fail(new Error('the TypeScript checker stopped')));
    const files = (await backend.call('files')) as string[];
    return { backend, files };
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

  errors(file: string, text?: string): Promise<TsError[]> {
    return this.call('errors', file, text) as Promise<TsError[]>;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * TypeScript 7 through its own native language server (`tsc --lsp --stdio` of the repository's package):
 * each variant is sent as the file's overlay text and its diagnostics pulled (`textDocument/diagnostic`).
 */
class NativeBackend implements Backend {
  private readonly server: LanguageServer;

  constructor(repo: string, compiler: TsCompiler) {
    const spec: ServerSpec = { ...tsgo, name: compilerName(compiler), launch: () => tsgoLaunch(compiler.dir) };
    // A large project may take long to load: the first answer waits on the server's silence, not a deadline.
    this.server = new LanguageServer(spec, repo, { requestTimeoutMs: 120_000 });
  }

  async errors(file: string, text?: string): Promise<TsError[]> {
    const source = text ?? readFileSync(file, 'utf8');
    const diagnostics = await this.server.diagnostics(file, source);
    return diagnostics
      .filter((d) => d.severity === undefined || d.severity === 1)
      .map((d) => ({ code: `TS${d.code ?? ''}`, message: (typeof d.message === 'string' ? d.message : d.message.value).replace(/\s*\n\s*/g, ' '), line: d.range.start.line + 1 }));
  }

  dispose(): Promise<void> {
    return this.server.dispose();
  }
}

/** The worker's script: beside this module when built; from `dist/` when this module runs from source (tests). */
function workerFile(): URL {
  const sibling = new URL('./ts-project-worker.js', import.meta.url);
  if (existsSync(sibling)) return sibling;
  return pathToFileURL(join(packageRoot(), 'dist', 'src', 'eval', 'ts-project-worker.js'));
}
