import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../util/lock-file.js';
import { appendLogLine, readAppendLog } from '../util/json-lines.js';
import type { PlanResult } from './plan.js';

/** A `plan --out DIR` folder that cannot be used as it stands. */
export class PlanResultsError extends Error {
  override readonly name = 'PlanResultsError';
}

/**
 * A resumable results folder of `plan`: `results.jsonl` (one result per finished problem, appended as it
 * finishes) and `run.json` (what made them: problems file, settings, model, shard). Reopening it with other
 * settings is refused; one process at a time holds it (a lock file).
 */
export class PlanResults {
  private constructor(
    private readonly file: string,
    /** Results already in the folder. */
    readonly done: readonly PlanResult[],
    readonly release: () => void,
  ) {}

  static async open(dir: string, manifest: Record<string, unknown>): Promise<PlanResults> {
    mkdirSync(dir, { recursive: true });
    const release = acquireLock(join(dir, '.lock'), `the results folder ${dir}`);
    try {
      const manifestFile = join(dir, 'run.json');
      if (existsSync(manifestFile)) {
        let previous: Record<string, unknown>;
        try {
          previous = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
        } catch (e) {
          throw new PlanResultsError(`${manifestFile} is not JSON (${(e as Error).message}); fix or remove it`);
        }
        for (const key of new Set([...Object.keys(previous), ...Object.keys(manifest)])) {
          const [a, b] = [JSON.stringify(previous[key]), JSON.stringify(manifest[key])];
          if (a !== b) throw new PlanResultsError(`the results in ${dir} were made with other ${key} (${a} vs ${b}); use another --out folder`);
        }
      }
      writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
      const file = join(dir, 'results.jsonl');
      const done = readAppendLog<PlanResult>(file, (v) => (typeof (v as PlanResult)?.problemId === 'string' ? undefined : 'no "problemId"'), (m) => new PlanResultsError(m), 'a plan result');
      return new PlanResults(file, done, release);
    } catch (e) {
      release();
      throw e;
    }
  }

  append(result: PlanResult): void {
    appendLogLine(this.file, result);
  }
}
