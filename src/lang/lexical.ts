import type { Language } from './language.js';

/** What a character of source text is part of. */
export const Kind = { Code: 0, String: 1, Comment: 2 } as const;

/** Classifies each character of `text` as code, string or comment (TS/JS lexical rules; regex literals not handled). */
export function classifyBraces(text: string): Uint8Array {
  const kind = new Uint8Array(text.length);
  type State = 'code' | 'line' | 'block' | "'" | '"' | '`';
  let state: State = 'code';
  const templateDepths: number[] = []; // brace depth at each open `${`
  let braces = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    switch (state) {
      case 'code':
        if (ch === '/' && text[i + 1] === '/') state = 'line';
        else if (ch === '/' && text[i + 1] === '*') state = 'block';
        else if (ch === "'" || ch === '"' || ch === '`') state = ch;
        else if (ch === '{') braces++;
        else if (ch === '}') {
          if (templateDepths.length && templateDepths[templateDepths.length - 1] === braces) {
            templateDepths.pop();
            state = '`';
            kind[i] = Kind.String;
            continue;
          }
          braces--;
        }
        kind[i] = state === 'code' ? Kind.Code : state === 'line' || state === 'block' ? Kind.Comment : Kind.String;
        break;
      case 'line':
        if (ch === '\n') {
          state = 'code';
          kind[i] = Kind.Code;
        } else kind[i] = Kind.Comment;
        break;
      case 'block':
        kind[i] = Kind.Comment;
        if (ch === '*' && text[i + 1] === '/') {
          kind[++i] = Kind.Comment;
          state = 'code';
        }
        break;
      default: {
        kind[i] = Kind.String;
        if (ch === '\\') {
          if (i + 1 < text.length) kind[++i] = Kind.String;
        } else if (ch === state) state = 'code';
        else if (ch === '\n' && state !== '`') state = 'code'; // unterminated quote ends at the line
        else if (state === '`' && ch === '$' && text[i + 1] === '{') {
          kind[++i] = Kind.String;
          templateDepths.push(braces);
          state = 'code';
        }
      }
    }
  }
  return kind;
}

/** Classifies each character of Python `text` as code, string or comment. */
export function classifyPython(text: string): Uint8Array {
  const kind = new Uint8Array(text.length);
  let quote = ''; // '', or the quote that opened the current string (', ", ''' or """)
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (comment) {
      if (ch === '\n') comment = false;
      else kind[i] = Kind.Comment;
      continue;
    }
    if (quote) {
      kind[i] = Kind.String;
      if (ch === '\\') {
        if (i + 1 < text.length) kind[++i] = Kind.String;
      } else if (text.startsWith(quote, i)) {
        for (let j = 1; j < quote.length; j++) kind[++i] = Kind.String;
        quote = '';
      } else if (ch === '\n' && quote.length === 1) quote = '';
      continue;
    }
    if (ch === '#') {
      comment = true;
      kind[i] = Kind.Comment;
    } else if (ch === '"' || ch === "'") {
      quote = text.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      for (let j = 0; j < quote.length; j++) kind[i + j] = Kind.String;
      i += quote.length - 1;
    }
  }
  return kind;
}

/** Classifies each character of `text` by the lexical rules of `language` (brace languages by default). */
export function classify(language: Language | undefined, text: string): Uint8Array {
  return language === 'python' ? classifyPython(text) : classifyBraces(text);
}
