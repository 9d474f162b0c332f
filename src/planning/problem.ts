import { readJsonLines } from '../util/json-lines.js';
import type { Language } from '../lang/language.js';

/**
 * A programming problem (`fixtures/problems/*.jsonl`, one JSON object per line). The program is
 * `prompt + body`; tests are assertion snippets run with the program's top-level names in scope
 * (TypeScript/JavaScript: node's `assert`; Python: `assert` statements).
 */
export interface Problem {
  readonly id: string;
  readonly language: Language;
  /** File path for the model's header (`src/solution.ts`). */
  readonly path: string;
  /** Code before the body: doc comment and signature, ending with a newline. */
  readonly prompt: string;
  /** The function or class under test. */
  readonly entryPoint: string;
  readonly publicTests: readonly string[];
  readonly hiddenTests: readonly string[];
  /** A reference body (optional): `prompt + solution` passes every test. */
  readonly solution?: string;
}

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
}

const LANGUAGES: readonly Language[] = ['typescript', 'javascript', 'python'];

/** Why `value` is not a `Problem`, or undefined. */
export function problemOf(value: unknown): string | undefined {
  const p = value as Record<string, unknown>;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return 'not a JSON object';
  for (const key of ['id', 'path', 'prompt', 'entryPoint']) if (typeof p[key] !== 'string' || p[key] === '') return `"${key}" must be a non-empty string`;
  if (!LANGUAGES.includes(p['language'] as Language)) return `"language" must be one of ${LANGUAGES.join(', ')}`;
  for (const key of ['publicTests', 'hiddenTests']) {
    if (!Array.isArray(p[key]) || !(p[key] as unknown[]).every((t) => typeof t === 'string')) return `"${key}" must be an array of strings`;
  }
  if ((p['publicTests'] as unknown[]).length === 0) return '"publicTests" is empty';
  if (p['solution'] !== undefined && typeof p['solution'] !== 'string') return '"solution" must be a string';
  return undefined;
}

/** Reads a problems file (JSON Lines); throws `ProblemError` naming the line of a malformed entry. */
export function loadProblems(file: string): Problem[] {
  return readJsonLines<Problem>(file, { entry: 'problem', entries: 'problems' }, problemOf, (m) => new ProblemError(m));
}

/** `FILE` (must hold one problem) or `FILE#ID`. */
export function loadProblem(spec: string): Problem {
  const hash = spec.lastIndexOf('#');
  const [file, id] = hash === -1 ? [spec, undefined] : [spec.slice(0, hash), spec.slice(hash + 1)];
  const problems = loadProblems(file);
  if (id === undefined) {
    if (problems.length !== 1) throw new ProblemError(`${file} holds ${problems.length} problems: name one with ${file}#ID`);
    return problems[0]!;
  }
  const found = problems.find((p) => p.id === id);
  if (!found) throw new ProblemError(`no problem "${id}" in ${file} (ids: ${problems.map((p) => p.id).slice(0, 8).join(', ')}${problems.length > 8 ? ', …' : ''})`);
  return found;
}
