import type { Tagged } from './values.js';

/**
 * A value the sandbox would not describe (a class instance, a function, a promise, a proxy…). It is an
 * object, so truthy; it deep-equals nothing (its prototype is the judge's own); comparing it loosely throws.
 */
export class OpaqueValue {
  constructor(readonly label: string) {}
  [Symbol.toPrimitive](): never {
    throw new TypeError(`a ${this.label} cannot be compared`);
  }
}

function number(x: unknown): number {
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  if (x === '-0') return -0;
  return x as number;
}

/** An own, enumerable data property: `__proto__` as a key stays a key, never a prototype. */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Rebuilds a tagged JavaScript value (already checked by `parseTagged('js', …)`) as plain data in the judge's
 * own realm, so the judge's own `node:assert` compares it with the expected value.
 */
export function toJs(v: Tagged): unknown {
  switch (v[0]) {
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'boolean':
      return v[1];
    case 'number':
      return number(v[1]);
    case 'bigint':
      return BigInt(v[1] as string);
    case 'string':
      return v[1];
    case 'array': {
      const items = v[1] as Tagged[];
      const out: unknown[] = new Array(items.length);
      items.forEach((item, i) => {
        if (item[0] !== 'hole') out[i] = toJs(item);
      });
      for (const [key, value] of (v[2] as [string, Tagged][] | undefined) ?? []) define(out, key, toJs(value));
      return out;
    }
    case 'object': {
      const out: object = v[2] ? Object.create(null) : {};
      for (const [key, value] of v[1] as [string, Tagged][]) define(out, key, toJs(value));
      return out;
    }
    case 'map':
      return new Map((v[1] as [Tagged, Tagged][]).map(([k, x]) => [toJs(k), toJs(x)]));
    case 'set':
      return new Set((v[1] as Tagged[]).map(toJs));
    case 'date':
      return new Date(number(v[1]));
    case 'regexp':
      return new RegExp(v[1] as string, v[2] as string);
    default:
      return new OpaqueValue(String(v[1]));
  }
}
