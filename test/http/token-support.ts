import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { DESCRIPTIONS } from '../../src/core/errors.js';
import type { TestMonban } from '../helpers/monban.js';

/** Shared by the token endpoint suites (test/http/token-*.test.ts). */

/** 43 characters of URL-safe base64: Doorkeeper's `SecureRandom.urlsafe_base64(32)` (compatibility.md §1). */
export const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** compatibility.md §4.3: the headers of every token endpoint answer, success or error. */
export function assertTokenHeaders(response: LightMyRequestResponse): void {
  assert.equal(response.headers['cache-control'], 'no-store, no-cache');
  assert.equal(response.headers.pragma, 'no-cache');
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
}

/** Doorkeeper's WWW-Authenticate on token endpoint errors (compatibility.md §4.3), realm "Doorkeeper". */
export function bearerChallenge(error: string, description: string): string {
  return `Bearer realm="Doorkeeper", error="${error}", error_description="${description}"`;
}

/** RFC 8628 §3.5's polling answers, which carry no challenge (core/error-response.ts). */
const DEVICE_POLL_ERRORS = new Set(['authorization_pending', 'slow_down', 'expired_token', 'access_denied']);

/**
 * An error answer exactly: status, body (raw string, so `state` comes last and nothing else is there), the no-store
 * headers and the Bearer challenge (or the given one; none for the device grant's polling answers).
 */
export function assertTokenError(
  response: LightMyRequestResponse,
  status: number,
  body: { error: string; error_description: string; state?: string },
  challenge: string | undefined = DEVICE_POLL_ERRORS.has(body.error)
    ? undefined
    : bearerChallenge(body.error, body.error_description),
): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.body, JSON.stringify(body));
  assertTokenHeaders(response);
  assert.equal(response.headers['www-authenticate'], challenge);
}

export const missing = (param: string) => ({
  error: 'invalid_request',
  error_description: `Missing required parameter: ${param}.`,
});
export const repeated = (param: string) => ({
  error: 'invalid_request',
  error_description: `Parameter included more than once: ${param}.`,
});
export const INVALID_CLIENT = { error: 'invalid_client', error_description: DESCRIPTIONS.invalidClient };
export const INVALID_GRANT = { error: 'invalid_grant', error_description: DESCRIPTIONS.invalidGrant };
export const INVALID_SCOPE = { error: 'invalid_scope', error_description: DESCRIPTIONS.invalidScope };
export const UNSUPPORTED_GRANT_TYPE = {
  error: 'unsupported_grant_type',
  error_description: DESCRIPTIONS.unsupportedGrantType,
};

/** RFC 6749 App. B as oauth4webapi applies it: everything but letters and digits is percent-encoded, space is `+`. */
export function formUrlEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** RFC 6749 §2.3.1: `Basic base64(urlencode(client_id) ":" urlencode(client_secret))`. */
export function basic(clientId: string, clientSecret: string, encode: (v: string) => string = formUrlEncode): string {
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** A POST to /oauth/token with a raw body and content type. */
export function postToken(
  t: TestMonban,
  payload: string | Buffer | undefined,
  headers: Record<string, string>,
): Promise<LightMyRequestResponse> {
  return t.server.inject({ method: 'POST', url: '/oauth/token', headers, payload });
}

/** The bytes and content type of a multipart/form-data body, as `curl -F` sends it (the guide, compatibility.md §7). */
export async function multipart(fields: Array<[string, string]>): Promise<{ payload: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  const request = new Request('http://monban.test/oauth/token', { method: 'POST', body: form });
  const contentType = request.headers.get('content-type') ?? '';
  assert.match(contentType, /^multipart\/form-data; boundary=/);
  return { payload: Buffer.from(await request.arrayBuffer()), contentType };
}

/** The success body as Doorkeeper emits it, key order included (compatibility.md §4.3, §4.5). */
export function tokenBodyString(body: {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  created_at: number;
}): string {
  const refresh = body.refresh_token === undefined ? '' : `,"refresh_token":${JSON.stringify(body.refresh_token)}`;
  return (
    `{"access_token":${JSON.stringify(body.access_token)},"token_type":"Bearer","expires_in":${body.expires_in}` +
    `${refresh},"scope":${JSON.stringify(body.scope)},"created_at":${body.created_at}}`
  );
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  created_at: number;
}

/** A 200 token answer: exact headers, no challenge, key order as Doorkeeper's, 43-character secrets. */
export function assertTokenSuccess(
  response: LightMyRequestResponse,
  expected: { scope: string; expires_in: number; created_at: number; refresh: boolean },
): TokenBody {
  assert.equal(response.statusCode, 200, response.body);
  assertTokenHeaders(response);
  assert.equal(response.headers['www-authenticate'], undefined);
  const body = response.json() as TokenBody;
  assert.match(body.access_token, SECRET_SHAPE);
  if (expected.refresh) assert.match(body.refresh_token ?? '', SECRET_SHAPE);
  assert.equal(
    response.body,
    tokenBodyString({
      access_token: body.access_token,
      expires_in: expected.expires_in,
      refresh_token: expected.refresh ? body.refresh_token : undefined,
      scope: expected.scope,
      created_at: expected.created_at,
    }),
  );
  return body;
}

/** The clock's unix seconds, as `created_at` carries them. */
export const unixSeconds = (t: TestMonban): number => Math.floor(t.clock.now() / 1000);
