import { InvalidRequest } from './errors.js';

/** Request parameters as a framework hands them over: a repeated parameter arrives as an array. */
export type RawParams = Readonly<Record<string, unknown>>;

function scalar(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InvalidRequest(`Parameter must be a string: ${name}.`);
}

/**
 * Typed access to request parameters. Empty values count as absent and repeated ones are refused, as RFC 6749 §3.1
 * and §3.2 require of authorization and token requests.
 */
export class Params {
  constructor(private readonly raw: RawParams = {}) {}

  /** The single value of a parameter, or undefined when it is absent or empty. */
  get(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) {
      const present = value.filter((v) => v !== '' && v !== undefined && v !== null);
      if (present.length > 1) throw InvalidRequest.duplicated(name);
      return present.length === 1 ? scalar(name, present[0]) : undefined;
    }
    const text = scalar(name, value);
    return text === '' ? undefined : text;
  }

  /** Every value of a parameter that may repeat (checkbox lists). */
  getAll(name: string): string[] {
    const value = this.raw[name];
    if (value === undefined || value === null) return [];
    const values = Array.isArray(value) ? value : [value];
    return values.map((v) => scalar(name, v)).filter((v) => v !== '');
  }

  /** Whether the parameter appears more than once with a value. */
  isDuplicated(name: string): boolean {
    const value = this.raw[name];
    return Array.isArray(value) && value.filter((v) => v !== '' && v !== undefined && v !== null).length > 1;
  }

  /** The first parameter, other than those allowed to repeat, that appears more than once. */
  firstDuplicate(allowedToRepeat: readonly string[] = []): string | undefined {
    return Object.keys(this.raw).find((name) => !allowedToRepeat.includes(name) && this.isDuplicated(name));
  }
}
