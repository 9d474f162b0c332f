// `npm run package`: a platform .vsix with the engine inside — the built CLI, its production dependencies
// (language servers included), the default model — so the extension works offline with nothing else installed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const target = `${process.platform}-${process.arch}`;
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });

// 1. The engine, built, and the extension bundle.
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], root);
run(process.execPath, ['build.mjs'], here);

// 2. Stage engine/: package.json (the engine finds its folder by it), dist/src, models, production modules.
const engine = join(here, 'engine');
rmSync(engine, { recursive: true, force: true });
mkdirSync(engine);
writeFileSync(join(engine, 'package.json'), readFileSync(join(root, 'package.json')));
cpSync(join(root, 'dist', 'src'), join(engine, 'dist', 'src'), { recursive: true });
cpSync(join(root, 'models'), join(engine, 'models'), { recursive: true });
const paths = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((p) => p.includes(`${root}/node_modules/`));
for (const path of new Set(paths)) {
  const rel = relative(root, path);
  if (existsSync(join(engine, rel))) continue;
  cpSync(path, join(engine, rel), { recursive: true, dereference: true });
}
// onnxruntime-node ships binaries for every platform: keep this one's.
const ort = join(engine, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
for (const platform of ['darwin', 'linux', 'win32']) {
  for (const arch of ['x64', 'arm64']) {
    if (`${platform}-${arch}` !== target) rmSync(join(ort, platform, arch), { recursive: true, force: true });
  }
}

// 3. The .vsix (offline: no dependency scan, the bundle and engine/ are all it needs).
const version = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).version;
const out = join(here, `lsp-codegen-vscode-${target}-${version}.vsix`);
run(process.execPath, [join(here, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--target', target, '--allow-missing-repository', '--skip-license', '-o', out], here);
console.log(`packaged ${relative(process.cwd(), out)}`);
