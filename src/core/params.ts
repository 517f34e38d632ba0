import { InvalidRequest } from './errors.js';

/**
 * Request parameters as a framework hands them over: a string, an array of strings when repeated, and from a JSON
 * body (or a multipart field sent as JSON) anything at all.
 */
export type RawParams = Readonly<Record<string, unknown>>;

/** A parameter's name is given back only when it fits error_description's characters (RFC 6749 §5.2). */
function named(message: string, name: string): string {
  return /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(name) ? `${message}: ${name}.` : `${message}.`;
}

/** RFC 6749 §3.2 parameters are strings: a number, a boolean, an object or a nested array is a malformed request. */
export function notAString(name: string): InvalidRequest {
  return new InvalidRequest(named('Parameter must be a string', name));
}

/** No value: `null` is JSON's way of leaving a parameter out (Rails reads it so), and empty counts as absent. */
function isAbsent(value: unknown): value is null | undefined | '' {
  return value === undefined || value === null || value === '';
}

/** A value a parameter may have: a string or nothing, or a repetition of those (the duplicate rule decides on it). */
function isWellTyped(value: unknown): boolean {
  if (typeof value === 'string' || value === null) return true;
  return Array.isArray(value) && value.every((v) => typeof v === 'string' || v === null);
}

/**
 * Typed access to request parameters. Empty values count as absent and repeated ones are refused, as RFC 6749 §3.1
 * and §3.2 require of authorization and token requests. Only the object's own properties are parameters: a JSON
 * body is a plain object, whose inherited `constructor` or `toString` no request sent.
 */
export class Params {
  constructor(private readonly raw: RawParams = {}) {}

  private own(name: string): unknown {
    return Object.hasOwn(this.raw, name) ? this.raw[name] : undefined;
  }

  /** The single value of a parameter, or undefined when it is absent or empty. */
  get(name: string): string | undefined {
    const value = this.own(name);
    if (!Array.isArray(value)) return this.scalar(name, value);
    const present = value.filter((v) => !isAbsent(v));
    if (present.length > 1) throw InvalidRequest.duplicated(name);
    return this.scalar(name, present[0]);
  }

  /** What `get` answers where it answers, and undefined where it would throw: for echoing `state` in any error. */
  peek(name: string): string | undefined {
    const value = this.own(name);
    const present = Array.isArray(value) ? value.filter((v) => !isAbsent(v)) : [value];
    const [only] = present;
    return present.length === 1 && typeof only === 'string' && only !== '' ? only : undefined;
  }

  /** Every value of a parameter that may repeat (checkbox lists). */
  getAll(name: string): string[] {
    const value = this.own(name);
    const values = Array.isArray(value) ? value : [value];
    return values.map((v) => this.scalar(name, v)).filter((v) => v !== undefined);
  }

  /** Whether the parameter appears more than once with a value. */
  isDuplicated(name: string): boolean {
    const value = this.own(name);
    return Array.isArray(value) && value.filter((v) => !isAbsent(v)).length > 1;
  }

  /** The first parameter, other than those allowed to repeat, that appears more than once. */
  firstDuplicate(allowedToRepeat: readonly string[] = []): string | undefined {
    return Object.keys(this.raw).find((name) => !allowedToRepeat.includes(name) && this.isDuplicated(name));
  }

  /** The first parameter whose value is neither a string, nor nothing, nor a repetition of those. */
  firstNotAString(): string | undefined {
    return Object.keys(this.raw).find((name) => !isWellTyped(this.raw[name]));
  }

  private scalar(name: string, value: unknown): string | undefined {
    if (isAbsent(value)) return undefined;
    if (typeof value === 'string') return value;
    throw notAString(name);
  }
}
