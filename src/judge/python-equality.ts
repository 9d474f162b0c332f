import type { Tagged } from './values.js';

/**
 * Python's `==`, truth and `repr` on tagged data (see `values.ts`), computed by the judge outside the sandbox:
 * exact numeric comparison across bool / int / float / complex (`1 == 1.0 == True`, big ints exact), `str`,
 * `bytes`, `list` and `tuple` element-wise (a list never equals a tuple), `dict` by key (keys hashed the way
 * Python hashes them: `{1: 'a'} == {1.0: 'a'}`), `set` / `frozenset` by membership, `None`. Opaque values
 * equal nothing. One simplification: NaN is never equal to NaN, even where Python's identity shortcut would
 * make `[x] == [x]` true for one shared NaN object.
 */

type Real = { readonly int: bigint } | { readonly float: number };

function parseFloatRepr(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s);
}

function parseHexInt(s: string): bigint {
  return s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s);
}

/** The value as a real number (bool, int, float), or undefined. */
function real(v: Tagged): Real | undefined {
  switch (v[0]) {
    case 'bool':
      return { int: v[1] ? 1n : 0n };
    case 'int':
      return { int: parseHexInt(v[1] as string) };
    case 'float':
      return { float: parseFloatRepr(v[1] as string) };
    default:
      return undefined;
  }
}

/** Real and imaginary parts of any numeric value, or undefined. */
function numeric(v: Tagged): { re: Real; im: Real } | undefined {
  if (v[0] === 'complex') return { re: { float: parseFloatRepr(v[1] as string) }, im: { float: parseFloatRepr(v[2] as string) } };
  const r = real(v);
  return r && { re: r, im: { int: 0n } };
}

function realEquals(a: Real, b: Real): boolean {
  if ('int' in a && 'int' in b) return a.int === b.int;
  if ('float' in a && 'float' in b) return a.float === b.float;
  const [i, f] = 'int' in a ? [a.int, (b as { float: number }).float] : [(b as { int: bigint }).int, (a as { float: number }).float];
  return Number.isInteger(f) && BigInt(f) === i;
}

let uniqueKeys = 0;

/** The dict / set key a hashable value files under: equal values (as Python compares them) share a key. */
function hashKey(v: Tagged): string {
  const n = numeric(v);
  if (n) {
    const reKey = realKey(n.re);
    const imZero = 'int' in n.im ? n.im.int === 0n : n.im.float === 0;
    return imZero ? reKey : `c${reKey},${realKey(n.im)}`;
  }
  switch (v[0]) {
    case 'None':
      return 'N';
    case 'str':
      return `s${JSON.stringify(v[1])}`;
    case 'bytes':
      return `b${v[1] as string}`;
    case 'tuple':
      return `t(${(v[1] as Tagged[]).map(hashKey).join(',')})`;
    case 'frozenset':
      return `F{${[...new Set((v[1] as Tagged[]).map(hashKey))].sort().join(',')}}`;
    default:
      // Unhashable in Python (list, dict, set) or opaque: equal to nothing else.
      return `u${uniqueKeys++}`;
  }
}

function realKey(r: Real): string {
  if ('int' in r) return `n${r.int}`;
  if (Number.isNaN(r.float)) return `nan${uniqueKeys++}`;
  if (Number.isInteger(r.float)) return `n${BigInt(r.float)}`;
  return `f${r.float}`;
}

const SEQUENCES = new Set(['list', 'tuple']);
const SETS = new Set(['set', 'frozenset']);

/** Python's `a == b` for builtin data. */
export function pyEquals(a: Tagged, b: Tagged): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na || nb) return !!na && !!nb && realEquals(na.re, nb.re) && realEquals(na.im, nb.im);
  const [ta, tb] = [a[0], b[0]];
  if (ta === 'opaque' || tb === 'opaque') return false;
  if (SETS.has(ta) && SETS.has(tb)) {
    const keys = new Set((b[1] as Tagged[]).map(hashKey));
    const mine = new Set((a[1] as Tagged[]).map(hashKey));
    return mine.size === keys.size && [...mine].every((k) => keys.has(k));
  }
  if (ta !== tb) return false;
  switch (ta) {
    case 'None':
      return true;
    case 'str':
    case 'bytes':
      return a[1] === b[1];
    case 'dict': {
      const ea = a[1] as [Tagged, Tagged][];
      const eb = new Map((b[1] as [Tagged, Tagged][]).map(([k, v]) => [hashKey(k), v]));
      if (ea.length !== eb.size) return false;
      return ea.every(([k, v]) => {
        const other = eb.get(hashKey(k));
        return other !== undefined && pyEquals(v, other);
      });
    }
    default:
      if (SEQUENCES.has(ta)) {
        const [xa, xb] = [a[1] as Tagged[], b[1] as Tagged[]];
        return xa.length === xb.length && xa.every((x, i) => pyEquals(x, xb[i]!));
      }
      return false;
  }
}

/** Python's `bool(v)`; undefined for an opaque value (its truth would be decided by its own code). */
export function pyTruthy(v: Tagged): boolean | undefined {
  const n = numeric(v);
  if (n) {
    const zero = (r: Real) => ('int' in r ? r.int === 0n : r.float === 0);
    return !(zero(n.re) && zero(n.im));
  }
  switch (v[0]) {
    case 'None':
      return false;
    case 'str':
    case 'bytes':
      return (v[1] as string).length > 0;
    case 'opaque':
      return undefined;
    default:
      return (v[1] as unknown[]).length > 0;
  }
}

/** Python's `v is None` / `v is True` / `v is False`, for the singleton the check names. */
export function pyIs(v: Tagged, singleton: 'None' | 'True' | 'False'): boolean {
  if (singleton === 'None') return v[0] === 'None';
  return v[0] === 'bool' && v[1] === (singleton === 'True');
}

const REPR_LIMIT = 300;

/** Python's `repr(v)` (shortened), for failure messages. */
export function pyRepr(v: Tagged): string {
  const text = repr(v);
  return text.length > REPR_LIMIT ? `${text.slice(0, REPR_LIMIT)}…` : text;
}

function repr(v: Tagged): string {
  const items = () => (v[1] as Tagged[]).map(repr);
  switch (v[0]) {
    case 'None':
      return 'None';
    case 'bool':
      return v[1] ? 'True' : 'False';
    case 'int':
      return parseHexInt(v[1] as string).toString();
    case 'float':
      return v[1] as string;
    case 'complex':
      return `(${v[1] as string}${(v[2] as string).startsWith('-') ? '' : '+'}${v[2] as string}j)`;
    case 'str':
      return strRepr(v[1] as string);
    case 'bytes':
      return `bytes.fromhex('${v[1] as string}')`;
    case 'list':
      return `[${items().join(', ')}]`;
    case 'tuple': {
      const xs = items();
      return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`;
    }
    case 'dict':
      return `{${(v[1] as [Tagged, Tagged][]).map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(', ')}}`;
    case 'set':
      return v[1] && (v[1] as unknown[]).length ? `{${items().join(', ')}}` : 'set()';
    case 'frozenset':
      return `frozenset({${items().join(', ')}})`;
    default:
      return `<${v[1] as string} object>`;
  }
}

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}
