import { join } from 'node:path';
import * as vscode from 'vscode';
import { EngineClient, type Endpoint } from './engine-client.js';
import { LocalEngine } from './local-engine.js';
import { CodegenProvider, type Settings, type Status } from './provider.js';

const LANGUAGES = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python'];

let engine: LocalEngine | undefined;

function settings(): Settings & { engine: 'local' | 'remote'; remoteUrl: string; remoteToken: string; modelDirectory: string } {
  const c = vscode.workspace.getConfiguration('lspCodegen');
  return {
    enabled: c.get('enable', true),
    engine: c.get('engine', 'local'),
    remoteUrl: c.get('remote.url', ''),
    remoteToken: c.get('remote.token', ''),
    maxTokens: c.get('maxTokens', 64),
    temperature: c.get('temperature', 0),
    monitors: c.get('monitors', true),
    debounceMs: c.get('debounceMs', 150),
    modelDirectory: c.get('modelDirectory', ''),
  };
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('LSP Codegen');
  const log = (line: string) => output.appendLine(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = 'lspCodegen.toggle';
  const setStatus = (s: Status, detail?: string) => {
    const icons: Record<Status, string> = { idle: '$(sparkle)', working: '$(sync~spin)', degraded: '$(warning)', off: '$(circle-slash)', error: '$(error)' };
    status.text = `${icons[s]} LSP Codegen`;
    status.tooltip = `LSP Codegen: ${s}${detail ? ` — ${detail}` : ''} (click to turn ${s === 'off' ? 'on' : 'off'})`;
    status.show();
  };
  setStatus(settings().enabled ? 'idle' : 'off');

  const folders = () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const localEngine = () =>
    (engine ??= new LocalEngine({
      main: join(context.extensionPath, 'engine', 'dist', 'src', 'cli', 'main.js'),
      modelDir: settings().modelDirectory || undefined,
      roots: folders,
      log,
    }));
  const endpoint = (): Promise<Endpoint> => {
    const s = settings();
    if (s.engine === 'remote') {
      if (!s.remoteUrl) return Promise.reject(new Error('lspCodegen.remote.url is not set'));
      return Promise.resolve({ url: s.remoteUrl, token: s.remoteToken || undefined });
    }
    return localEngine().endpoint();
  };
  const client = new EngineClient(endpoint);

  const lastShown = new Map<string, number>();
  const notifyError = (message: string) => {
    const now = Date.now();
    if ((lastShown.get(message) ?? 0) > now - 60_000) return;
    lastShown.set(message, now);
    void vscode.window.showErrorMessage(`LSP Codegen: ${message}`, 'Show Output').then((choice) => {
      if (choice) output.show();
    });
  };

  const provider = new CodegenProvider({ client: () => client, settings, setStatus, log, notifyError });
  context.subscriptions.push(
    output,
    status,
    vscode.languages.registerInlineCompletionItemProvider(
      LANGUAGES.map((language) => ({ language })),
      provider,
    ),
    vscode.commands.registerCommand('lspCodegen.toggle', async () => {
      const enabled = !settings().enabled;
      await vscode.workspace.getConfiguration('lspCodegen').update('enable', enabled, vscode.ConfigurationTarget.Global);
      setStatus(enabled ? 'idle' : 'off');
    }),
    vscode.commands.registerCommand('lspCodegen.trigger', () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger')),
    vscode.commands.registerCommand('lspCodegen.showOutput', () => output.show()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('lspCodegen.enable')) setStatus(settings().enabled ? 'idle' : 'off');
      if (e.affectsConfiguration('lspCodegen.engine') || e.affectsConfiguration('lspCodegen.modelDirectory')) {
        provider.cache.clear();
        await engine?.dispose();
        engine = undefined;
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(async () => {
      // The engine may read only the window's folders: give it the new list.
      await engine?.restart();
    }),
  );
  log(`activated (engine: ${settings().engine})`);
  // Start the local engine now, so the first completion does not wait for the model to load.
  if (settings().engine === 'local' && settings().enabled) {
    localEngine()
      .endpoint()
      .catch((e: Error) => {
        setStatus('error', e.message);
        notifyError(e.message);
      });
  }
}

export async function deactivate(): Promise<void> {
  await engine?.dispose();
  engine = undefined;
}
