import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const require = createRequire(import.meta.url);
type TS = typeof import('typescript5');
let tsModule: TS | undefined;
/** TypeScript 5's compiler API (TypeScript 7 offers none in process). */
export function typescript(): TS {
  return (tsModule ??= require('typescript5') as TS);
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'out', '.git', 'coverage', '__tests__', 'tests', 'test', '__snapshots__']);

/** Source files of a repository: `.ts`/`.tsx` (not `.d.ts`, not tests) or `.py`, outside build and test folders. */
export function sourceFiles(repo: string, language: 'typescript' | 'python'): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name) && !name.startsWith('.')) walk(path);
      } else if (language === 'python' ? /\.py$/.test(name) && !/^test_|_test\.py$/.test(name) : /\.tsx?$/.test(name) && !/\.d\.ts$|\.(test|spec)\.tsx?$/.test(name)) {
        out.push(path);
      }
    }
  };
  walk(repo);
  return out;
}

/**
 * A TypeScript project type-checked in process with the repository's own `tsconfig.json` (or strict defaults
 * over its sources when it ships none), where any file can be replaced by an in-memory version.
 */
export class TsProject {
  private readonly versions = new Map<string, { text: string; version: number }>();
  private readonly service: import('typescript5').LanguageService;
  readonly files: readonly string[];

  constructor(readonly repo: string) {
    const ts = typescript();
    const configPath = join(repo, 'tsconfig.json');
    let options: import('typescript5').CompilerOptions;
    let files: string[];
    if (existsSync(configPath)) {
      const parsed = ts.getParsedCommandLineOfConfigFile(configPath, { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
      if (!parsed) throw new Error(`cannot read ${configPath}`);
      options = { ...parsed.options, noEmit: true };
      files = parsed.fileNames.filter((f) => !f.endsWith('.d.ts'));
    } else {
      options = {
        strict: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        skipLibCheck: true,
        noEmit: true,
        allowImportingTsExtensions: true,
      };
      files = sourceFiles(repo, 'typescript');
    }
    this.files = files;
    const host: import('typescript5').LanguageServiceHost = {
      getScriptFileNames: () => files,
      getScriptVersion: (f) => String(this.versions.get(f)?.version ?? 0),
      getScriptSnapshot: (f) => {
        const overlay = this.versions.get(f);
        if (overlay) return ts.ScriptSnapshot.fromString(overlay.text);
        return existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined;
      },
      getCurrentDirectory: () => repo,
      getCompilationSettings: () => options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.versions.has(f) || ts.sys.fileExists(f),
      readFile: (f) => this.versions.get(f)?.text ?? ts.sys.readFile(f),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** Error diagnostics of `file` (as `text` when given, else as on disk): code and message, no positions. */
  errors(file: string, text?: string): { code: string; message: string; line: number }[] {
    const ts = typescript();
    const previous = this.versions.get(file);
    if (text !== undefined) this.versions.set(file, { text, version: (previous?.version ?? 0) + 1 });
    try {
      const diags = [...this.service.getSyntacticDiagnostics(file), ...this.service.getSemanticDiagnostics(file)];
      return diags
        .filter((d) => d.category === ts.DiagnosticCategory.Error)
        .map((d) => ({
          code: `TS${d.code}`,
          message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
          line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
        }));
    } finally {
      if (text !== undefined) this.versions.set(file, { text: previous?.text ?? readFileSync(file, 'utf8'), version: (previous?.version ?? 0) + 2 });
    }
  }

  relative(file: string): string {
    return relative(this.repo, file);
  }
}
