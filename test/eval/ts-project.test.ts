import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { repositoryCompiler, TsProject } from '../../src/eval/ts-project.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'lsp-codegen-tsproject-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes `files` (path → text) under a new folder `name` of the test's temporary folder. */
function repo(name: string, files: Record<string, string>): string {
  const root = join(tmp, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const USES_DEV = 'export function flag(): string {\n  const on = __DEV__ ? "dev" : "prod";\n  return on.toUpperCase();\n}\n';

describe('faithful checking: the project as its own compiler sees it', () => {
  it('keeps the project’s own .d.ts files: a global declared there is seen (with and without a tsconfig)', async () => {
    for (const tsconfig of [undefined, JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, include: ['src'] })]) {
      const root = repo(`dts-${tsconfig ? 'config' : 'none'}`, { 'src/global.d.ts': 'declare const __DEV__: boolean;\n', 'src/flag.ts': USES_DEV, ...(tsconfig ? { 'tsconfig.json': tsconfig } : {}) });
      const project = await TsProject.open(root);
      try {
        expect(project.files.map((f) => f.slice(root.length + 1))).toEqual(['src/flag.ts']); // sites are never in a .d.ts
        expect(await project.errors(join(root, 'src/flag.ts'))).toEqual([]);
        // Without the declaration the same code is an error: the check is real.
        expect((await project.errors(join(root, 'src/flag.ts'), USES_DEV.replace('__DEV__', '__PROD__'))).map((e) => e.code)).toEqual(['TS2304']);
      } finally {
        await project.dispose();
      }
    }
  });

  it('a package without its own tsconfig uses the nearest one up the tree (a monorepo’s root), not strict defaults', async () => {
    const mono = repo('mono', {
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: false, noImplicitAny: false, target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', noEmit: true } }),
      'packages/a/src/loose.ts': 'export function twice(x) {\n  const y = x * 2;\n  return y;\n}\n',
    });
    const project = await TsProject.open(join(mono, 'packages/a'));
    try {
      expect(project.files).toEqual([join(mono, 'packages/a/src/loose.ts')]);
      expect(await project.errors(join(mono, 'packages/a/src/loose.ts'))).toEqual([]); // strict defaults: TS7006
    } finally {
      await project.dispose();
    }
    const alone = repo('alone', { 'src/loose.ts': 'export function twice(x) {\n  const y = x * 2;\n  return y;\n}\n' });
    const strict = await TsProject.open(alone);
    try {
      expect((await strict.errors(join(alone, 'src/loose.ts'))).map((e) => e.code)).toEqual(['TS7006']);
    } finally {
      await strict.dispose();
    }
  });

  it('CR uses the repository’s own TypeScript: 5.x through its JS API, 7.x through its native server, and says which', async () => {
    const installed = { '5': join(packageRoot(), 'node_modules', 'typescript5'), '7': join(packageRoot(), 'node_modules', 'typescript') };
    for (const [major, dir] of Object.entries(installed)) {
      const root = repo(`own-${major}`, {
        'package.json': JSON.stringify({ name: `own-${major}`, devDependencies: { typescript: `^${major}.0.0` } }),
        'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022' }, include: ['src'] }),
        'src/global.d.ts': 'declare const __DEV__: boolean;\n',
        'src/flag.ts': USES_DEV,
      });
      mkdirSync(join(root, 'node_modules'));
      // The repository's own install: a copy of TypeScript 5 (so it is not lsp-codegen's), a link to TypeScript 7
      // (its native binary is a package beside it).
      if (major === '5') cpSync(dir, join(root, 'node_modules', 'typescript'), { recursive: true });
      else symlinkSync(dir, join(root, 'node_modules', 'typescript'));
      const compiler = repositoryCompiler(root);
      expect(compiler.declaredIn).toBe('package.json');
      expect(compiler.dir).toBe(realpathSync(join(root, 'node_modules', 'typescript')));
      expect(compiler.version.split('.')[0]).toBe(major);
      expect(compiler.kind).toBe(major === '7' ? 'native' : 'api');
      const project = await TsProject.open(root);
      try {
        expect(project.compilerName).toMatch(new RegExp(`^TypeScript ${major}\\.\\d+\\.\\d+ \\(the repository's own: package\\.json, ${major === '7' ? 'native tsc --lsp' : 'JS API'}\\)$`));
        expect(await project.errors(join(root, 'src/flag.ts'))).toEqual([]);
        const errors = await project.errors(join(root, 'src/flag.ts'), USES_DEV.replace('"dev"', '1').replace('on.toUpperCase()', 'on.toFixed()'));
        expect(errors.map((e) => e.code)).toEqual(['TS2339']); // `string | number` has no toFixed
      } finally {
        await project.dispose();
      }
    }
    // Declared but not installed, or not declared: lsp-codegen's own TypeScript 5, and the report says so.
    const bare = repo('bare', { 'package.json': JSON.stringify({ name: 'bare', devDependencies: { typescript: '^5.0.0' } }), 'src/a.ts': 'export const a = 1;\n' });
    expect(repositoryCompiler(bare)).toMatchObject({ declaredIn: undefined, kind: 'api', notInstalled: { range: '^5.0.0', declaredIn: 'package.json' } });
    const project = await TsProject.open(bare);
    expect(project.compilerName).toMatch(/^TypeScript 5\.\d+\.\d+ \(lsp-codegen's; the repository's typescript \^5\.0\.0 in package\.json is not installed\)$/);
    await project.dispose();
  });
});
