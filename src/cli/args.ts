import { parseMonitorKinds } from '../monitor/monitors.js';
import type { MonitorKind } from '../monitor/types.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_TIMER_MS } from '../util/timer.js';
import { parseShard, type Shard } from '../eval/manifest.js';

/** A command line that cannot be run as written: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes: `--json`, `--verbose` (stack traces on errors), `--help`. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `argv` strictly against `options`; unknown flags, missing values and positional arguments are usage errors. */
export function parse<O extends Options>(argv: string[], options: O): ReturnType<typeof parseWithPositionals<O>> {
  const parsed = parseWithPositionals(argv, options);
  if (parsed.positionals.length) throw new UsageError(`Unexpected argument '${parsed.positionals[0]}'. This command does not take positional arguments.`);
  return parsed;
}

/** As `parse`, with positional arguments (`eval merge --out DIR A B`). */
export function parseWithPositionals<O extends Options>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
}

/** A number flag: undefined when absent; a usage error when not a number within [min, max] (integer if asked). */
export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ${range}, got "${text}"`);
  }
  return n;
}

/** A time limit in milliseconds: an integer from `min` to what a timer can wait (2^31 − 1 ms, about 24 days). */
export function millisecondsFlag(values: Record<string, unknown>, name: string, min = 1): number | undefined {
  return numberFlag(values, name, { min, max: MAX_TIMER_MS, integer: true });
}

/** A flag whose value must be one of `choices`. */
export function choiceFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${String(raw)}"`);
  return raw as T;
}

/** `--monitors all|none|deref,call,…` (default all); a bad kind is a usage error naming the known ones. */
export function monitorsFlag(values: Record<string, unknown>, name = 'monitors'): MonitorKind[] | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  try {
    return parseMonitorKinds(String(raw));
  } catch (e) {
    throw new UsageError(`--${name}: ${(e as Error).message}`);
  }
}

/** `--shard i/N`: undefined when absent; a usage error when not 0 ≤ i < N. */
export function shardFlag(values: Record<string, unknown>): Shard | undefined {
  const raw = values['shard'];
  if (raw === undefined) return undefined;
  try {
    return parseShard(String(raw));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
