import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Language } from '../lang/language.js';
import { LspError } from './errors.js';

/** How to start a language server process. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

/** A language server the project knows: how to start it and how to talk to it. */
export interface ServerSpec {
  readonly id: ServerId;
  /** Human-readable name with version, for reports. */
  readonly name: string;
  readonly languages: readonly Language[];
  /** Resolves the executable from the project's own dependencies (never downloads). */
  launch(): Launch;
  readonly initializationOptions?: unknown;
  /** Answer to `workspace/configuration` for `section` (null when the server should use its defaults). */
  configuration(section: string | undefined): unknown;
  /** LSP language id of a file. */
  languageId(path: string): string;
}

export type ServerId = 'tsgo' | 'tsls' | 'pyright';

export const SERVER_IDS: readonly ServerId[] = ['tsgo', 'tsls', 'pyright'];

const require = createRequire(import.meta.url);

/** Folder of an installed npm package, or a `not-installed` error naming it. */
function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new LspError('not-installed', `language server package "${name}" is not installed (run the set-up command)`);
  }
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

function tsLanguageId(path: string): string {
  if (/\.(?:tsx)$/.test(path)) return 'typescriptreact';
  if (/\.(?:jsx)$/.test(path)) return 'javascriptreact';
  if (/\.(?:m?js|cjs)$/.test(path)) return 'javascript';
  return 'typescript';
}

/** How to start TypeScript 7's language server from its package folder `dir`. */
export function tsgoLaunch(dir: string): Launch {
  // Run the platform binary itself: the npm `tsc` shim on Node 20 keeps a wrapper process in between,
  // which would outlive a kill of the wrapper.
  try {
    const native = join(
      dirname(createRequire(join(dir, 'package.json')).resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`)),
      'lib',
      'tsc',
    );
    if (existsSync(native)) return { command: native, args: ['--lsp', '--stdio'] };
  } catch {
    // fall back to the shim
  }
  return { command: process.execPath, args: [join(dir, 'bin', 'tsc'), '--lsp', '--stdio'] };
}

/** TypeScript 7's native compiler in LSP mode (`tsc --lsp --stdio`), the default for TS/JS. */
export const tsgo: ServerSpec = {
  id: 'tsgo',
  name: `typescript ${packageVersion('typescript')} (tsc --lsp)`,
  languages: ['typescript', 'javascript'],
  launch: () => tsgoLaunch(packageDir('typescript')),
  configuration: () => null,
  languageId: tsLanguageId,
};

/** typescript-language-server over tsserver from a TypeScript 5.x install (`typescript5`). */
export const tsls: ServerSpec = {
  id: 'tsls',
  name: `typescript-language-server ${packageVersion('typescript-language-server')} (typescript ${packageVersion('typescript5')})`,
  languages: ['typescript', 'javascript'],
  launch() {
    const dir = packageDir('typescript-language-server');
    return { command: process.execPath, args: [join(dir, 'lib', 'cli.mjs'), '--stdio'] };
  },
  get initializationOptions() {
    return {
      tsserver: { path: join(packageDir('typescript5'), 'lib', 'tsserver.js'), useSyntaxServer: 'never' },
      preferences: { includeCompletionsForModuleExports: false, includeCompletionsWithInsertText: true },
    };
  },
  configuration: () => null,
  languageId: tsLanguageId,
};

/** pyright's language server (`pyright-langserver --stdio`). */
export const pyright: ServerSpec = {
  id: 'pyright',
  name: `pyright ${packageVersion('pyright')}`,
  languages: ['python'],
  launch() {
    const dir = packageDir('pyright');
    return { command: process.execPath, args: [join(dir, 'langserver.index.js'), '--stdio'] };
  },
  configuration(section) {
    if (section === 'python.analysis') return { autoSearchPaths: true, useLibraryCodeForTypes: true, diagnosticMode: 'openFilesOnly' };
    if (section === 'python') return { pythonPath: 'python3' };
    return null;
  },
  languageId: () => 'python',
};

export const SERVERS: Readonly<Record<ServerId, ServerSpec>> = { tsgo, tsls, pyright };

/** Which server serves each language; the defaults are the native TypeScript server and pyright. */
export type ServerChoice = Readonly<Partial<Record<Language, ServerId>>>;

export const DEFAULT_SERVERS: Readonly<Record<Language, ServerId>> = {
  typescript: 'tsgo',
  javascript: 'tsgo',
  python: 'pyright',
};

export function serverFor(language: Language, choice: ServerChoice = {}): ServerSpec {
  return SERVERS[choice[language] ?? DEFAULT_SERVERS[language]];
}
