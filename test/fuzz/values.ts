import fc from 'fast-check';
import { SECRET_NAMES, type FuzzWorld, type SecretName } from './world.js';

/**
 * A value a request carries, as plain data (so a failing case prints readably): text, a secret of the world by
 * name (or one an answer revealed, by index), a fact of the world that is not secret, or bytes that are not UTF-8
 * (sent as they are in a body, percent-encoded in a query or a path).
 */
export type Value = string | { secret: SecretName | number } | { ref: Ref } | { bytes: number[] };
export type Ref =
  | 'clientId'
  | 'publicClientId'
  | 'applicationId'
  | 'redirectUri'
  | 'oob'
  | 'nickname'
  | 'publicUrl'
  | 'userCode'
  | 'codeChallenge';

/** The value as text; bytes that are not UTF-8 read as a decoder would read them (U+FFFD for each bad sequence). */
export function resolve(world: FuzzWorld, value: Value): string {
  if (typeof value === 'string') return value;
  if ('bytes' in value) return Buffer.from(value.bytes).toString('utf8');
  if ('secret' in value) return world.secret(value.secret);
  switch (value.ref) {
    case 'clientId':
      return world.app.clientId;
    case 'publicClientId':
      return world.publicApp.clientId;
    case 'applicationId':
      return String(world.applicationId);
    case 'redirectUri':
      return 'https://client.example/cb';
    case 'oob':
      return 'urn:ietf:wg:oauth:2.0:oob';
    case 'nickname':
      return 'alice';
    case 'publicUrl':
      return world.t.config.publicUrl;
    case 'userCode':
      return world.userCode;
    case 'codeChallenge':
      return world.codeChallenge;
  }
}

/** The value's bytes on the wire: its UTF-8, or the bytes themselves. */
export function valueBytes(world: FuzzWorld, value: Value): Buffer {
  return typeof value === 'object' && 'bytes' in value
    ? Buffer.from(value.bytes)
    : Buffer.from(resolve(world, value), 'utf8');
}

/** Words the endpoints know, so that requests get past the first checks often enough to reach the later ones. */
const WORDS = [
  '',
  ' ',
  'authorization_code',
  'client_credentials',
  'refresh_token',
  'password',
  'code',
  'token',
  'access_token',
  'user_rates',
  'user_rates comments topics',
  'email',
  'approve',
  'delete',
  'DELETE',
  'kept',
  'en',
  'ru',
  'S256',
  'plain',
  'urn:ietf:params:oauth:grant-type:device_code',
  'BCDF-GHJK',
  'bcdfghjk',
  '0',
  '-1',
  '1e309',
  '99999999999999999999',
  'null',
  'true',
  '[]',
  '{}',
  '%',
  '%zz',
  '%E0%A4%A',
  '\u0000',
  '\uD800',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '"\'\\',
  '日本語 テキスト',
  'ａｌｉｃｅ',
  '__proto__',
  'constructor',
  'x'.repeat(5000),
];

/** Sequences no UTF-8 decoder accepts: stray continuation bytes, truncated, overlong, surrogates, past U+10FFFF. */
const NOT_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
];

/** Text with a sequence that is not UTF-8 inside. */
export const notUtf8: fc.Arbitrary<Value> = fc
  .tuple(
    fc.constantFrom('', 'user_rates', 'BCDF-', 'x'),
    fc.constantFrom(...NOT_UTF8),
    fc.constantFrom('', 'GHJK', 'y'),
  )
  .map(([before, bad, after]) => ({ bytes: [...Buffer.from(before), ...bad, ...Buffer.from(after)] }));

/** Past the limits a server may have: a URL's, a field's, the 64 KiB body limit. */
const huge: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', 'é', '%', '&', '日'), fc.constantFrom(9_000, 33_000, 70_000))
  .map(([unit, length]) => unit.repeat(length));

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: huge },
);

const ref: fc.Arbitrary<Value> = fc
  .constantFrom<Ref>(
    'clientId',
    'publicClientId',
    'applicationId',
    'redirectUri',
    'oob',
    'nickname',
    'publicUrl',
    'userCode',
    'codeChallenge',
  )
  .map((name) => ({ ref: name }));

export const secret: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom(...SECRET_NAMES).map((name) => ({ secret: name })),
  fc.nat(50).map((index) => ({ secret: index })),
);

/** A value with no secret in it: what may stand where a log line shows it (a path segment, `state`...). */
export const plainValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 2, arbitrary: ref },
  { weight: 1, arbitrary: notUtf8 },
);

/** Any value, secrets included: for bodies, headers that are redacted, and parameters named as secrets. */
export const anyValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 4, arbitrary: ref },
  { weight: 6, arbitrary: secret },
  { weight: 1, arbitrary: notUtf8 },
);

/** Header values: printable ASCII, which is all a client can send in one. */
export const headerText: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
  fc.constantFrom('', 'null', 'en', 'ru', 'en-US,en;q=0.9', '*/*', 'same-origin', 'cross-site', 'none'),
);

/** Parameter names of every form and endpoint, and names that are properties of every JavaScript object. */
export const PARAM_NAMES = [
  'grant_type',
  'client_id',
  'client_secret',
  'code',
  'redirect_uri',
  'refresh_token',
  'scope',
  'state',
  'token',
  'token_type_hint',
  'access_token',
  'bearer_token',
  'response_type',
  'code_verifier',
  'code_challenge',
  'code_challenge_method',
  'device_code',
  'user_code',
  'request_id',
  'nickname',
  'password',
  'password_confirmation',
  'current_password',
  'keep_applications',
  'email',
  'name',
  'description_en',
  'description_ru',
  'scopes',
  'scope_choice',
  '_method',
  '_csrf',
  'return_to',
  'to',
  'notice',
  'application_id',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  'isPrototypeOf',
];

/**
 * Bracketed names, which qs-style parsers turn into arrays and objects (`scope[a]=b`, `client_id[]=x`): Monban's
 * parsers must read them as the plain names they are, or refuse them, and never hand an object to the code.
 */
const BRACKETS = ['[]', '[a]', '[0]', '[][]', '[__proto__]', '[constructor][prototype]', '[', ']', '[]x'];

export const paramName: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...PARAM_NAMES) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...PARAM_NAMES), fc.constantFrom(...BRACKETS))
      .map(([name, brackets]) => `${name}${brackets}`),
  },
);
