import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

/**
 * Reads a JSON Lines file of entries with unique `id`s, checking each line with `check` (which returns the
 * problem with the value, or undefined) after `prepare` (which may bring an entry of an older form up to date).
 * Every failure — unreadable file, bad JSON, a bad entry, a duplicate id, no entries — is thrown as
 * `fail(message)`, the message naming the file and line.
 */
export function readJsonLines<T extends { readonly id: string }>(
  file: string,
  what: { readonly entry: string; readonly entries: string },
  check: (value: unknown) => string | undefined,
  fail: (message: string) => Error,
  prepare: (value: unknown) => unknown = (value) => value,
): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fail(`cannot read ${what.entries} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const entries: T[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw fail(`${where}: not valid JSON (${(e as Error).message})`);
    }
    value = prepare(value);
    const problem = check(value);
    if (problem) throw fail(`${where}: not a ${what.entry} (${problem})`);
    const entry = value as T;
    if (ids.has(entry.id)) throw fail(`${where}: duplicate id "${entry.id}"`);
    ids.add(entry.id);
    entries.push(entry);
  });
  if (entries.length === 0) throw fail(`${file} holds no ${what.entries}`);
  return entries;
}

/**
 * Reads an append-only JSON Lines log (a results file written one line per finished item): a line that is not
 * JSON is one an interruption cut, skipped (its item is redone); a line that is JSON is checked with `check`,
 * and a bad one stops with `fail(message)` naming it, so a damaged file is never extended as if it were whole.
 * Returns [] when the file does not exist.
 */
export function readAppendLog<T>(file: string, check: (value: unknown) => string | undefined, fail: (message: string) => Error, what: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return; // a line cut by an interruption
      }
      const problem = check(value);
      if (problem) throw fail(`${file}:${i + 1}: not ${what} (${problem}); fix or remove that line`);
      out.push(value as T);
    });
  return out;
}

/** Appends `value` as one line to a log `readAppendLog` reads; first ends a line an interruption left unfinished. */
export function appendLogLine(file: string, value: unknown): void {
  if (existsSync(file)) {
    const size = statSync(file).size;
    if (size > 0) {
      const fd = openSync(file, 'r');
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      closeSync(fd);
      if (last[0] !== 0x0a) appendFileSync(file, '\n');
    }
  }
  appendFileSync(file, JSON.stringify(value) + '\n');
}
