import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { vscode: fileURLToPath(new URL('./test/vscode-stub.ts', import.meta.url)) } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000, pool: 'forks', maxWorkers: 1 },
});
