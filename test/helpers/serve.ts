import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/engine/package-root.js';

const MAIN = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

/** Starts `lsp-codegen serve` on a free port; resolves once it has printed its address and is ready. */
export function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  void exited.then(() => clearTimeout(killer));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url && /serve: ready/.test(output)) resolve({ child, url, output: () => output, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (output += d));
    void exited.then((code) => reject(new Error(`serve exited with ${code} before it was ready:\n${output}`)));
  });
}

