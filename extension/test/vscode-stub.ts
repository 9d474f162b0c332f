// A minimal stand-in for the `vscode` module: just what the provider uses, for unit tests of its logic.
export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}
export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}
export class InlineCompletionItem {
  constructor(
    readonly insertText: string,
    readonly range?: Range,
  ) {}
}
export class Uri {
  constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(path: string): Uri {
    return new Uri('file', path);
  }
}
export const workspace = {
  folders: [] as { uri: Uri }[],
  getWorkspaceFolder(uri: Uri) {
    return workspace.folders.find((f) => uri.fsPath.startsWith(f.uri.fsPath + '/'));
  },
};

/** A text document over a string, with VS Code's offset/position arithmetic (UTF-16, `\n` lines). */
export class TextDocument {
  constructor(
    readonly uri: Uri,
    readonly languageId: string,
    private readonly text: string,
  ) {}
  getText(): string {
    return this.text;
  }
  offsetAt(p: Position): number {
    const lines = this.text.split('\n');
    return lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, offset);
    return new Position(before.split('\n').length - 1, offset - (before.lastIndexOf('\n') + 1));
  }
  lineAt(line: number) {
    return { text: this.text.split('\n')[line] ?? '' };
  }
}

/** A cancellation token the test cancels. */
export class CancellationTokenSource {
  private listeners: (() => void)[] = [];
  readonly token = {
    isCancellationRequested: false,
    onCancellationRequested: (l: () => void) => {
      this.listeners.push(l);
      return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
    },
  };
  cancel(): void {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    for (const l of [...this.listeners]) l();
  }
}
