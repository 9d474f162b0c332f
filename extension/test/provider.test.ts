import { beforeEach, describe, expect, it } from 'vitest';
import { EngineError, type CompletionAnswer, type CompletionBody, type EngineClient } from '../src/engine-client.js';
import { CodegenProvider, type Settings, type Status } from '../src/provider.js';
import { CancellationTokenSource, Position, TextDocument, Uri, workspace } from './vscode-stub.js';

const WS = '/ws';
const settings: Settings = { enabled: true, maxTokens: 32, temperature: 0, monitors: true, debounceMs: 20 };

/** An engine double for the provider's logic: records requests, answers what the test says. */
function fakeClient(answer: (body: CompletionBody) => string | Error, delayMs = 0) {
  const calls: { body: CompletionBody; signal: AbortSignal }[] = [];
  const client = {
    async complete(body: CompletionBody, signal: AbortSignal): Promise<CompletionAnswer> {
      calls.push({ body, signal });
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, delayMs);
        signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))));
      });
      const a = answer(body);
      if (a instanceof Error) throw a;
      return { text: a, finishReason: 'stop', tokens: 3, monitor: { enabled: true, degraded: false, triggers: [] } };
    },
  } as unknown as EngineClient;
  return { client, calls };
}

function setup(answer: (body: CompletionBody) => string | Error, delayMs = 0, over: Partial<Settings> = {}) {
  const { client, calls } = fakeClient(answer, delayMs);
  const statuses: Status[] = [];
  const errors: string[] = [];
  const provider = new CodegenProvider({ client: () => client, settings: () => ({ ...settings, ...over }), setStatus: (s) => statuses.push(s), log: () => undefined, notifyError: (m) => errors.push(m) });
  return { provider, calls, statuses, errors };
}

const doc = (text: string, language = 'typescript', path = `${WS}/src/a.ts`) => new TextDocument(Uri.file(path), language, text);
const at = (d: TextDocument, marker: string) => d.positionAt(d.getText().indexOf(marker) + marker.length);
const ask = (p: CodegenProvider, d: TextDocument, pos: Position, token = new CancellationTokenSource().token) =>
  p.provideInlineCompletionItems(d as never, pos as never, {} as never, token as never) as Promise<{ insertText: string }[]>;

beforeEach(() => {
  workspace.folders = [{ uri: Uri.file(WS) }];
});

describe('CodegenProvider (against a stand-in for the vscode API)', () => {
  it('sends the unsaved text with the position in LSP terms, single-line mid-line, multi-line on an empty line in a block', async () => {
    const { provider, calls } = setup(() => 'address;');
    const d = doc('class A {\n  f(c: C) {\n    c.\n    \n  }\n}\n');
    const items = await ask(provider, d, at(d, 'c.'));
    expect(items.map((i) => i.insertText)).toEqual(['address;']);
    expect(calls[0]!.body).toMatchObject({ workspace: WS, file: `${WS}/src/a.ts`, text: d.getText(), position: { line: 2, character: 6 }, stop_mode: 'line', monitors: true, max_tokens: 32 });
    await ask(provider, d, new Position(3, 4));
    expect(calls[1]!.body.stop_mode).toBe('block');
    // Outside any workspace folder: a plain completion of the text around the cursor.
    const loose = doc('const x = ', 'javascript', '/elsewhere/b.js');
    await ask(provider, loose, at(loose, '= '));
    expect(calls[2]!.body).toMatchObject({ prompt: 'const x = ', suffix: '' });
    expect(calls[2]!.body.workspace).toBeUndefined();
  });

  it('debounces: of a burst of keystrokes, only the last one asks the engine', async () => {
    const { provider, calls } = setup(() => 'x');
    const d = doc('let a = b.');
    const sources = [0, 1, 2].map(() => new CancellationTokenSource());
    const pending = sources.map((s) => ask(provider, d, at(d, 'b.'), s.token));
    // VS Code cancels each request when the next keystroke comes.
    sources[0]!.cancel();
    sources[1]!.cancel();
    const results = await Promise.all(pending);
    expect(results.map((r) => r.length)).toEqual([0, 0, 1]);
    expect(calls.length).toBe(1);
  });

  it('a cancelled request aborts the HTTP request, so generation stops on the engine too', async () => {
    const { provider, calls, statuses } = setup(() => 'never shown', 5_000);
    const d = doc('let a = b.');
    const s = new CancellationTokenSource();
    const pending = ask(provider, d, at(d, 'b.'), s.token);
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    s.cancel();
    expect(await pending).toEqual([]);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(statuses.at(-1)).toBe('idle');
  });

  it('keeps a shown suggestion while its characters are typed, without asking again', async () => {
    const { provider, calls } = setup(() => 'address(customer);');
    const d1 = doc('customer.\n');
    expect((await ask(provider, d1, at(d1, 'customer.')))[0]!.insertText).toBe('address(customer);');
    const d2 = doc('customer.add\n');
    expect((await ask(provider, d2, at(d2, 'customer.add')))[0]!.insertText).toBe('ress(customer);');
    expect(calls.length).toBe(1);
    const d3 = doc('customer.x\n');
    await ask(provider, d3, at(d3, 'customer.x'));
    expect(calls.length).toBe(2); // typed something else: a new request
  });

  it('never repeats closers that follow the cursor', async () => {
    const { provider } = setup(() => '"hello");');
    const d = doc('console.log();\n');
    const items = await ask(provider, d, at(d, 'console.log('));
    expect(items[0]!.insertText).toBe('"hello"');
  });

  it('says why when the engine fails (a notification, the error status), and is off when disabled or for other languages', async () => {
    const { provider, errors, statuses } = setup(() => new EngineError('the engine at http://127.0.0.1:1 is unreachable: connect ECONNREFUSED'));
    const d = doc('let a = b.');
    expect(await ask(provider, d, at(d, 'b.'))).toEqual([]);
    expect(errors).toEqual(['the engine at http://127.0.0.1:1 is unreachable: connect ECONNREFUSED']);
    expect(statuses.at(-1)).toBe('error');
    const off = setup(() => 'x', 0, { enabled: false });
    expect(await ask(off.provider, d, at(d, 'b.'))).toEqual([]);
    expect(off.calls.length).toBe(0);
    const md = doc('# title', 'markdown', `${WS}/README.md`);
    expect(await ask(off.provider, md, new Position(0, 7))).toEqual([]);
  });
});
