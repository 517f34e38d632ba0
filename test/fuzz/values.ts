import fc from 'fast-check';
import { SECRET_NAMES, type FuzzWorld, type SecretName } from './world.js';

/**
 * A value a request carries, as plain data (so a failing case prints readably): text, a secret of the world by
 * name (or one an answer revealed, by index), or a fact of the world that is not secret.
 */
export type Value = string | { secret: SecretName | number } | { ref: Ref };
export type Ref = 'clientId' | 'applicationId' | 'redirectUri' | 'oob' | 'nickname' | 'publicUrl';

export function resolve(world: FuzzWorld, value: Value): string {
  if (typeof value === 'string') return value;
  if ('secret' in value) return world.secret(value.secret);
  switch (value.ref) {
    case 'clientId':
      return world.app.clientId;
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
  }
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

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

const ref: fc.Arbitrary<Value> = fc
  .constantFrom<Ref>('clientId', 'applicationId', 'redirectUri', 'oob', 'nickname', 'publicUrl')
  .map((name) => ({ ref: name }));

export const secret: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom(...SECRET_NAMES).map((name) => ({ secret: name })),
  fc.nat(50).map((index) => ({ secret: index })),
);

/** A value with no secret in it: what may stand where a log line shows it (a path segment, `state`...). */
export const plainValue: fc.Arbitrary<Value> = fc.oneof({ weight: 3, arbitrary: text }, { weight: 1, arbitrary: ref });

/** Any value, secrets included: for bodies, headers that are redacted, and parameters named as secrets. */
export const anyValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: text },
  { weight: 2, arbitrary: ref },
  { weight: 3, arbitrary: secret },
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

export const paramName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PARAM_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
