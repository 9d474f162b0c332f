import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { projectLayout, type TsError } from './ts-project.js';

type TS = typeof import('typescript5');
const { repo, compilerDir } = workerData as { repo: string; compilerDir: string };
/** The compiler that judges: the repository's own TypeScript (≤ 6) or lsp-codegen's TypeScript 5. */
const ts = createRequire(join(compilerDir, 'package.json'))(compilerDir) as TS;

/** The TypeScript language service behind `TsProject`, in its worker thread. */
class LanguageProject {
  private readonly versions = new Map<string, { text: string; version: number }>();
  private readonly service: import('typescript5').LanguageService;
  readonly files: string[];

  constructor(repo: string) {
    // The program: every file the project takes in, its own declaration files (`global.d.ts`) included.
    const layout = projectLayout(ts, repo);
    if (layout.configPath && !layout.config) throw new Error(`cannot read ${layout.configPath}`);
    const options: import('typescript5').CompilerOptions = layout.config
      ? { ...layout.config.options, noEmit: true }
      : {
          strict: true,
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          moduleResolution: ts.ModuleResolutionKind.Bundler,
          lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
          skipLibCheck: true,
          noEmit: true,
          allowImportingTsExtensions: true,
        };
    this.files = layout.files;
    const files = layout.roots;
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

  errors(file: string, text?: string): TsError[] {
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
}

let project: LanguageProject | undefined;
let startError: string | undefined;
try {
  project = new LanguageProject(repo);
} catch (e) {
  startError = (e as Error).message;
}

parentPort!.on('message', ({ id, method, args }: { id: number; method: 'files' | 'errors'; args: [string, string?] }) => {
  try {
    if (!project) throw new Error(startError ?? 'no project');
    parentPort!.postMessage({ id, result: method === 'files' ? project.files : project.errors(...args) });
  } catch (e) {
    parentPort!.postMessage({ id, error: e instanceof RangeError ? `the TypeScript checker ran out of stack (${e.message})` : (e as Error).message });
  }
});
