/**
 * Rack's nesting of parameter names, which Rails clients rely on: `user_rate[status]=watching` is the field
 * `status` of the object `user_rate`, `ids[]=1&ids[]=2` an array. The form and query parsers give flat names; a name
 * sent more than once keeps its last value, as in Rack. Names that would reach an object's prototype are dropped.
 */

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

type Nested = Record<string, unknown>;

function isNested(value: unknown): value is Nested {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `a[b][]` as ['a', 'b', '']; undefined for a name Rack would not read. */
function pathOf(name: string): string[] | undefined {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (!match) return name === '' ? undefined : [name];
  const rest = [...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? '');
  return [match[1] ?? '', ...rest];
}

function assign(target: Nested, path: string[], value: unknown): void {
  const [key, ...rest] = path;
  if (key === undefined || UNSAFE.has(key)) return;
  if (rest.length === 0) {
    target[key] = value;
    return;
  }
  if (rest.length === 1 && rest[0] === '') {
    const list = Array.isArray(target[key]) ? (target[key] as unknown[]) : [];
    target[key] = [...list, ...(Array.isArray(value) ? value : [value])];
    return;
  }
  if (!isNested(target[key])) target[key] = {};
  assign(target[key] as Nested, rest, value);
}

export function nestParams(flat: unknown): Nested {
  const nested: Nested = {};
  if (!isNested(flat)) return nested;
  for (const [name, raw] of Object.entries(flat)) {
    const path = pathOf(name);
    if (path === undefined) continue;
    const isList = path[path.length - 1] === '';
    const value = Array.isArray(raw) && !isList ? raw[raw.length - 1] : raw;
    assign(nested, path, value);
  }
  return nested;
}
