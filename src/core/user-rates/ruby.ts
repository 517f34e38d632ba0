/**
 * How Shikimori's Rails code turns request values into model values and into its error texts, where a client can
 * see the difference (docs/user-rates.md §6, §7): the casts of ActiveModel's types and Ruby's `inspect`.
 */

/** A scalar a client may send for an attribute: strong parameters drop arrays and objects (docs/user-rates.md §5). */
export type Scalar = string | number | boolean | null;

export function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** Ruby's `String#to_i`: leading blanks, a sign and digits (single underscores between them); 0 when none. */
function stringToInteger(value: string): number {
  const digits = /^\s*([+-]?\d+(?:_\d+)*)/.exec(value)?.[1];
  return digits === undefined ? 0 : Number(digits.replace(/_/g, ''));
}

/**
 * ActiveModel's integer cast: null for null and for a blank string, 1 and 0 for booleans, numbers truncated,
 * strings read by `to_i` (so `"abc"` is 0 and `"7.9"` is 7).
 */
export function castInteger(value: Scalar | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  return value.trim() === '' ? null : stringToInteger(value);
}

/** ActiveModel's string cast: booleans become "t" and "f". */
export function castString(value: Scalar | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return typeof value === 'number' ? rubyNumber(value) : value;
}

function rubyNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  return Number.isFinite(value) ? String(value).replace(/^(-?\d+)(e)/, '$1.0$2') : String(value);
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\f': '\\f',
  '\v': '\\v',
  '\b': '\\b',
  '\u0007': '\\a',
  '\u001b': '\\e',
};

function inspectString(value: string): string {
  const body = value.replace(/["\\\n\r\t\f\v\b\u0007\u001b]|#(?=[{$@])|[\u0000-\u001f\u007f]/g, (c) => {
    if (c === '#') return '\\#';
    return ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
  return `"${body}"`;
}

/** Ruby's `inspect` of a parameter value, as apipie prints it (`value "abc"`, `value -1`, `value nil`). */
export function rubyInspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return inspectString(value);
  if (typeof value === 'number') return rubyNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  const pairs = entries.map(([k, v]) => `${inspectString(k)}=>${rubyInspect(v)}`);
  return `#<ActionController::Parameters {${pairs.join(', ')}} permitted: false>`;
}

/** Ruby's `to_s` of a value, as string interpolation prints it: a string as it is, anything else inspected. */
export function rubyToS(value: unknown): string {
  return typeof value === 'string' ? value : rubyInspect(value);
}
