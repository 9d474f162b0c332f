/** Languages the stop modes and monitors know. */
export type Language = 'typescript' | 'javascript' | 'python';

/** Language of a file from its extension; undefined when unknown. */
export function languageOf(path: string | undefined): Language | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path ?? '')?.[1]?.toLowerCase();
  switch (ext) {
    case 'ts':
    case 'tsx':
    case 'mts':
    case 'cts':
      return 'typescript';
    case 'js':
    case 'jsx':
    case 'mjs':
    case 'cjs':
      return 'javascript';
    case 'py':
    case 'pyi':
      return 'python';
    default:
      return undefined;
  }
}
