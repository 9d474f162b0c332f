import { argumentCountMonitor, callableMonitor } from './kinds/call.js';
import { dereferenceMonitor } from './kinds/dereference.js';
import { importMonitor } from './kinds/imports.js';
import { objectKeyMonitor } from './kinds/keys.js';
import { keywordArgumentMonitor } from './kinds/kwargs.js';
import { stringLiteralMonitor } from './kinds/literals.js';
import { constructibleMonitor, newMonitor } from './kinds/new.js';
import type { Monitor } from './monitor.js';
import { MONITOR_KINDS, type MonitorKind } from './types.js';

/** The monitors of each kind (call shape is two: the callable check at `(` and the argument count; `new` is two: the name and its `(`). */
const BY_KIND: Record<MonitorKind, readonly Monitor[]> = {
  deref: [dereferenceMonitor],
  call: [callableMonitor, argumentCountMonitor],
  keys: [objectKeyMonitor],
  literals: [stringLiteralMonitor],
  new: [newMonitor, constructibleMonitor],
  imports: [importMonitor],
  kwargs: [keywordArgumentMonitor],
};

/** The monitors of `kinds`, in the order they are tried (the dereference first: it is the most frequent). */
export function monitorsOf(kinds: readonly MonitorKind[]): Monitor[] {
  return MONITOR_KINDS.filter((k) => kinds.includes(k)).flatMap((k) => BY_KIND[k]);
}

/**
 * Parses a `--monitors` value: `all`, `none`, or a comma-separated list of kinds. Throws a RangeError naming
 * the unknown kind and the known ones.
 */
export function parseMonitorKinds(spec: string): MonitorKind[] {
  const value = spec.trim();
  if (value === 'all') return [...MONITOR_KINDS];
  if (value === 'none') return [];
  const kinds: MonitorKind[] = [];
  for (const part of value.split(',').map((p) => p.trim())) {
    if (!(MONITOR_KINDS as readonly string[]).includes(part)) {
      throw new RangeError(`unknown monitor '${part}': use all, none, or a comma-separated list of ${MONITOR_KINDS.join(', ')}`);
    }
    if (!kinds.includes(part as MonitorKind)) kinds.push(part as MonitorKind);
  }
  return kinds;
}

/** The kinds an API value asks for: true or absent = all, false = none, or the listed ones. */
export function monitorKinds(value: boolean | readonly MonitorKind[] | undefined): MonitorKind[] {
  if (value === undefined || value === true) return [...MONITOR_KINDS];
  if (value === false) return [];
  return MONITOR_KINDS.filter((k) => value.includes(k));
}
