// End to end in a real VS Code: the packaged .vsix installed into code-server, driven in headless Debian
// Chromium by playwright-core. Needs what the set-up command installs (chromium; code-server comes with this
// folder's dev dependencies) and the .vsix that `npm run package` makes (this folder's `npm test` makes it first).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/helpers/free-port.js';

const here = dirname(fileURLToPath(import.meta.url));
const extensionDir = join(here, '..');
const root = join(extensionDir, '..');
const CHROMIUM = '/usr/bin/chromium';
const CODE_SERVER = join(extensionDir, 'node_modules', '.bin', 'code-server');
const ARTIFACTS = join(extensionDir, 'test-artifacts');


const scratch = mkdtempSync(join(tmpdir(), 'lsp-codegen-e2e-'));
const processes: ChildProcess[] = [];
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  // code-server's launcher forks its server (`out/node/entry`), which a kill of the launcher alone leaves
  // running: each code-server has a process group of its own, and the whole group is killed.
  for (const p of processes) {
    try {
      if (p.pid !== undefined) process.kill(-p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // The engine the extension started: it is a child of code-server's extension host; nothing may outlive the test.
  spawnSync('pkill', ['-f', join(scratch, 'extensions')]);
  rmSync(scratch, { recursive: true, force: true });
});

/** A fresh code-server (each test gets its own: every page leaves an extension host behind) with the .vsix installed. */
async function startCodeServer(workspace: string): Promise<string> {
  const dir = mkdtempSync(join(scratch, 'cs-'));
  const userData = join(dir, 'user-data');
  const extensions = join(scratch, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      // The built-in suggest widget would take Tab from the ghost text.
      'editor.quickSuggestions': { other: false, comments: false, strings: false },
      'editor.suggestOnTriggerCharacters': false,
      'editor.inlineSuggest.enabled': true,
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': false,
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'telemetry.telemetryLevel': 'off',
      'lspCodegen.debounceMs': 100,
      'lspCodegen.maxTokens': 24,
    }),
  );
  const port = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const vsix = readdirSync(extensionDir).find((f) => f.endsWith('.vsix'));
  expect(vsix, 'no .vsix: run `npm run package` in extension/ (its npm test does)').toBeDefined();
  if (!existsSync(join(extensions, 'extensions.json'))) {
    const install = spawnSync(CODE_SERVER, ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', join(extensionDir, vsix!)], { encoding: 'utf8', timeout: 120_000 });
    expect(install.stdout + install.stderr).toMatch(/successfully installed/);
  }
  const child = spawn(CODE_SERVER, ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace], {
    stdio: 'ignore',
    env: { ...process.env, HOME: dir },
    detached: true,
  });
  processes.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (const end = Date.now() + 120_000; ; ) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > end) throw new Error('code-server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return `${url}/?folder=${encodeURIComponent(workspace)}`;
}

/** Opens `file` through Quick Open and puts the cursor at the end of the line holding `anchor`, on a new line. */
async function openAt(page: Page, file: string, anchor: string): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  // The explorer lists the folder once the workbench is ready for input.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 120_000 });
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').waitFor({ timeout: 30_000 });
    await page.keyboard.type(file, { delay: 20 });
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    try {
      await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 20_000 });
      break;
    } catch (e) {
      await page.screenshot({ path: join(ARTIFACTS, `open-${attempt}.png`) });
      if (attempt >= 2) throw e;
    }
  }
  // Find the anchor with the editor's own search, then go to the end of its line.
  await page.locator('.monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+F');
  await page.keyboard.type(anchor, { delay: 10 });
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
}

async function ghostText(page: Page, name: string): Promise<string> {
  const ghost = page.locator('.ghost-text-decoration, .ghost-text-decoration-preview').first();
  try {
    await ghost.waitFor({ timeout: 60_000 });
  } catch {
    // Kept for diagnosis, then asked again as a user would (Alt+\ triggers an inline suggestion): once, on a
    // fresh machine, the first request after activation showed nothing.
    await page.screenshot({ path: join(ARTIFACTS, `${name}-no-ghost.png`) });
    console.log(`${name}: no ghost text within 60 s; triggering the inline suggestion again`);
    await page.keyboard.press('Alt+Backslash');
    await ghost.waitFor({ timeout: 60_000 });
  }
  return (await page.locator('.ghost-text-decoration, .ghost-text-decoration-preview').allTextContents()).join('');
}

/** The members the language server lists at `offset` of `text` (the project's own member query). */
async function membersAt(workspace: string, file: string, text: string, offset: number): Promise<string[]> {
  const { ServerPool } = (await import(join(root, 'dist', 'src', 'lsp', 'pool.js'))) as typeof import('../../src/lsp/pool.js');
  const pool = new ServerPool({ idleMs: 0 });
  try {
    return (await pool.members(workspace, { file, text, offset })).members.map((m) => m.name);
  } finally {
    await pool.dispose();
  }
}

describe('the extension in a real VS Code (code-server + headless Chromium)', () => {
  beforeAll(async () => {
    expect(existsSync(CHROMIUM), 'Debian chromium is not installed: run the set-up command (npm run setup)').toBe(true);
    expect(existsSync(CODE_SERVER), 'code-server is not installed: run npm ci in extension/ (the set-up command does)').toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  for (const c of [
    { name: 'typescript', project: 'ts-project', file: 'src/services/order-service.ts', anchor: 'customer.placeOrder(order);', indent: '' },
    { name: 'python', project: 'py-project', file: 'shop/service.py', anchor: 'customer.place_order(order)', indent: '' },
  ]) {
    it(`${c.name}: ghost text after a dereference is a member the language server lists; Tab accepts it`, async () => {
      const workspace = join(scratch, c.project);
      cpSync(join(root, 'fixtures', c.project), workspace, { recursive: true });
      const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
      try {
        await page.goto(await startCodeServer(workspace));
        await openAt(page, c.file, c.anchor);
        // Activation: the status bar item appears once the extension runs (text typed earlier never reaches it).
        await page.locator('.statusbar-item', { hasText: 'LSP Codegen' }).first().waitFor({ timeout: 120_000 });
        await page.keyboard.type('customer.', { delay: 60 });
        const typed = Date.now();
        const ghost = await ghostText(page, c.name);
        // Reported, not asserted (speed is the benchmarks' business): the first request also waits for the engine.
        console.log(`${c.name}: ghost text ${Date.now() - typed} ms after the last keystroke: ${JSON.stringify(ghost)}`);
        await page.screenshot({ path: join(ARTIFACTS, `${c.name}-ghost.png`) });
        const member = /^\w+/.exec(ghost)?.[0];
        expect(member, `ghost text ${JSON.stringify(ghost)}`).toBeDefined();
        await page.keyboard.press('Tab');
        await page.keyboard.press('Control+S');
        const path = join(workspace, c.file);
        for (const end = Date.now() + 30_000; !readFileSync(path, 'utf8').includes(`customer.${member}`) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 200));
        const saved = readFileSync(path, 'utf8');
        expect(saved).toContain(`customer.${member}`);
        await page.screenshot({ path: join(ARTIFACTS, `${c.name}-accepted.png`) });
        // A second completion, with the engine and its language server warm: what typing feels like.
        await page.keyboard.press('End');
        await page.keyboard.press('Enter');
        await page.keyboard.type('customer.', { delay: 60 });
        const again = Date.now();
        const warmGhost = await ghostText(page, `${c.name}-warm`);
        console.log(`${c.name}: warm ghost text ${Date.now() - again} ms after the last keystroke (debounce ${100} ms included): ${JSON.stringify(warmGhost)}`);
        await page.keyboard.press('Escape');
        // The member is type-valid there: the language server lists it at that dot.
        const dot = saved.indexOf(`customer.${member}`) + 'customer.'.length;
        expect(await membersAt(workspace, path, saved, dot)).toContain(member);
      } finally {
        await page.close();
      }
    });
  }
});
