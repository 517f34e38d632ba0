/** Fields of a page's form, as @fastify/formbody parsed them: a repeated field arrives as an array. */
export type FormBody = Readonly<Record<string, unknown>>;

/** A form no page of Monban sends: a single field repeated, or a field that is not text. */
export class MalformedForm extends Error {
  readonly statusCode = 400;
  readonly code = 'MONBAN_MALFORMED_FORM';
  constructor(field: string) {
    super(`The form field "${field}" is malformed.`);
    this.name = 'MalformedForm';
  }
}

export function formBody(body: unknown): FormBody {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? (body as FormBody) : {};
}

/** A single text field; '' when absent. */
export function formText(body: FormBody, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new MalformedForm(name);
  return value;
}

/** A field that may repeat (checkboxes), without empty values. */
export function formList(body: FormBody, name: string): string[] {
  const value = body[name];
  if (value === undefined || value === null) return [];
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v): v is string => typeof v === 'string')) throw new MalformedForm(name);
  return values.filter((v) => v !== '');
}
