/**
 * Values as they cross from the sandbox to the judge: plain data with type tags (JSON arrays whose first
 * element names the type), never objects with behaviour. What the candidate's process writes is untrusted:
 * `parseTagged` checks the shape before the judge looks at it.
 *
 * Python: ['None'] ['bool', b] ['int', hex] ['float', repr] ['complex', reRepr, imRepr] ['str', s]
 *   ['bytes', hex] ['list', items] ['tuple', items] ['dict', [[k, v]…]] ['set', items] ['frozenset', items]
 *   ['opaque', typeName]
 * JavaScript: ['undefined'] ['null'] ['boolean', b] ['number', n | 'NaN' | 'Infinity' | '-Infinity' | '-0']
 *   ['bigint', decimal] ['string', s] ['array', items, [[key, v]…] extra keys] ['hole'] ['object', [[key, v]…],
 *   nullPrototype] ['map', [[k, v]…]] ['set', items] ['date', ms | 'NaN'] ['regexp', source, flags]
 *   ['opaque', label]
 * An `opaque` value is one the sandbox refused to describe (a class instance, a function, a subclass with its
 * own equality): it equals nothing.
 */
export type Tagged = readonly [string, ...unknown[]];

export type JudgeLanguage = 'python' | 'js';

export class MalformedValue extends Error {
  override readonly name = 'MalformedValue';
}

const MAX_DEPTH = 200;

const isString = (x: unknown): x is string => typeof x === 'string';
const isList = (x: unknown): x is unknown[] => Array.isArray(x);

/** Checks an untrusted tagged value (shape, known tags, nesting); throws `MalformedValue`. */
export function parseTagged(language: JudgeLanguage, value: unknown, depth = 0): Tagged {
  if (depth > MAX_DEPTH) throw new MalformedValue('nested too deeply');
  if (!isList(value) || !isString(value[0])) throw new MalformedValue('not a tagged value');
  const [tag, a, b] = value;
  const items = (x: unknown) => {
    if (!isList(x)) throw new MalformedValue(`${tag}: items must be a list`);
    for (const item of x) parseTagged(language, item, depth + 1);
  };
  const pairs = (x: unknown) => {
    if (!isList(x)) throw new MalformedValue(`${tag}: entries must be a list`);
    for (const pair of x) {
      if (!isList(pair) || pair.length !== 2) throw new MalformedValue(`${tag}: an entry must be a pair`);
      parseTagged(language, pair[0], depth + 1);
      parseTagged(language, pair[1], depth + 1);
    }
  };
  const ok =
    language === 'python'
      ? pythonShape(tag, a, b, items, pairs)
      : jsShape(tag, a, b, items, pairs, depth);
  if (!ok) throw new MalformedValue(`bad ${tag} value`);
  return value as unknown as Tagged;
}

function pythonShape(tag: string, a: unknown, b: unknown, items: (x: unknown) => void, pairs: (x: unknown) => void): boolean {
  switch (tag) {
    case 'None':
      return true;
    case 'bool':
      return typeof a === 'boolean';
    case 'int':
      return isString(a) && /^-?0x[0-9a-f]+$/.test(a);
    case 'float':
      return isString(a) && isPyFloat(a);
    case 'complex':
      return isString(a) && isString(b) && isPyFloat(a) && isPyFloat(b);
    case 'str':
    case 'opaque':
      return isString(a);
    case 'bytes':
      return isString(a) && /^(?:[0-9a-f]{2})*$/.test(a);
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset':
      items(a);
      return true;
    case 'dict':
      pairs(a);
      return true;
    default:
      return false;
  }
}

function jsShape(tag: string, a: unknown, b: unknown, items: (x: unknown) => void, pairs: (x: unknown) => void, depth: number): boolean {
  switch (tag) {
    case 'undefined':
    case 'null':
    case 'hole':
      return true;
    case 'boolean':
      return typeof a === 'boolean';
    case 'number':
      return (typeof a === 'number' && Number.isFinite(a)) || a === 'NaN' || a === 'Infinity' || a === '-Infinity' || a === '-0';
    case 'bigint':
      return isString(a) && /^-?\d+$/.test(a);
    case 'string':
    case 'opaque':
      return isString(a);
    case 'array':
      items(a);
      if (b !== undefined) keyed(b, depth);
      return true;
    case 'object':
      keyed(a, depth);
      return typeof b === 'boolean';
    case 'map':
      pairs(a);
      return true;
    case 'set':
      items(a);
      return true;
    case 'date':
      return (typeof a === 'number' && Number.isFinite(a)) || a === 'NaN';
    case 'regexp':
      return isString(a) && isString(b);
    default:
      return false;
  }
}

/** JS object entries: [[stringKey, tagged]…]. */
function keyed(x: unknown, depth: number): void {
  if (!isList(x)) throw new MalformedValue('object entries must be a list');
  for (const pair of x) {
    if (!isList(pair) || pair.length !== 2 || !isString(pair[0])) throw new MalformedValue('an object entry must be [key, value]');
    parseTagged('js', pair[1], depth + 1);
  }
}

function isPyFloat(s: string): boolean {
  return s === 'inf' || s === '-inf' || s === 'nan' || (/^-?[\d.e+-]+$/.test(s) && !Number.isNaN(Number(s)));
}
