import { spawnSync } from 'node:child_process';
import type { Language } from '../lang/language.js';
import { typescript } from './ts-project.js';

/** A function or method with a block body, by character offsets in its file. */
export interface FunctionSpan {
  readonly name: string;
  /** Offset just after the body's `{` (TS) or of the first body line's start (Python). */
  readonly bodyStart: number;
  /** Offset just after the function's last character (the closing `}`, or the end of the last body line). */
  readonly end: number;
  /** Statements directly in the body. */
  readonly statements: number;
}

function typescriptFunctions(text: string, file: string): FunctionSpan[] {
  const ts = typescript();
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: FunctionSpan[] = [];
  const visit = (node: import('typescript5').Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body && ts.isBlock(node.body)) {
      const name = (node as { name?: import('typescript5').Node }).name?.getText(source) ?? '(anonymous)';
      out.push({ name, bodyStart: node.body.getStart(source) + 1, end: node.body.end, statements: node.body.statements.length });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const PY_SCRIPT = `
import ast, json, sys
tree = ast.parse(sys.stdin.read())
out = []
for node in ast.walk(tree):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
        first = node.body[0]
        out.append({"name": node.name, "bodyLine": first.lineno, "endLine": node.end_lineno, "statements": len(node.body)})
print(json.dumps(out))
`;

function pythonFunctions(text: string): FunctionSpan[] {
  const r = spawnSync('python3', ['-I', '-S', '-c', PY_SCRIPT], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return []; // does not parse: no functions to take sites from
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineEnd = (line: number) => (line < lineStarts.length ? lineStarts[line]! - 1 : text.length);
  return (JSON.parse(r.stdout) as { name: string; bodyLine: number; endLine: number; statements: number }[]).map((f) => ({
    name: f.name,
    bodyStart: lineStarts[f.bodyLine - 1]!,
    end: lineEnd(f.endLine),
    statements: f.statements,
  }));
}

/** Functions and methods of a file (TS via the TypeScript 5 parser, Python via `ast` in python3). */
export function findFunctions(language: Language, text: string, file: string): FunctionSpan[] {
  return language === 'python' ? pythonFunctions(text) : typescriptFunctions(text, file);
}
