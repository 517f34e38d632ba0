import type { LightMyRequestResponse } from 'fastify';
import assert from 'node:assert/strict';
import { registerUser } from '../../src/accounts/accounts.js';
import type { MonbanEvent } from '../../src/core/events.js';
import type { User } from '../../src/core/model.js';
import { randomSecret, secretHash } from '../../src/core/secrets.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';

/** The user_rates API's fixtures: Monban in memory, three users, an application and tokens of several scopes. */

export const JSON_TYPE = 'application/json; charset=utf-8';
export const FRESH = 'max-age=0, private, must-revalidate';
export const VARY = 'Accept, Origin';

export interface World {
  t: TestMonban;
  alice: User;
  bob: User;
  /** A user whose locale is English. */
  carol: User;
  app: TestApp;
  /** alice's tokens: with user_rates, with comments only (valid for the API, no user_rates). */
  aliceToken: string;
  aliceCommentsToken: string;
  bobToken: string;
  carolToken: string;
  /** A client_credentials token: valid, with user_rates, but no user. */
  clientToken: string;
  events: MonbanEvent[];
}

export async function issueToken(t: TestMonban, applicationId: number, userId: number | null, scopes: string[]) {
  const token = randomSecret();
  await t.stores.tokens.create({
    tokenHash: secretHash(token),
    refreshTokenHash: null,
    applicationId,
    userId,
    grantId: null,
    parentId: null,
    scopes,
    expiresIn: 86400,
    previousRefreshTokenHash: null,
    at: t.clock.now(),
  });
  return token;
}

export async function world(): Promise<World> {
  const t = await TestMonban.start();
  const alice = await t.createUser('alice');
  const bob = await t.createUser('bob');
  const carol = await registerUser(t.stores, { nickname: 'carol', password: PASSWORD, locale: 'en' }, t.clock.now());
  const app = await t.createApp(alice.id, { scopes: ['user_rates', 'comments'] });
  const id = app.application.id;
  const events: MonbanEvent[] = [];
  t.monban.ctx.events.on('user_rate.changed', (event) => events.push(event));
  return {
    t,
    alice,
    bob,
    carol,
    app,
    aliceToken: await issueToken(t, id, alice.id, ['user_rates']),
    aliceCommentsToken: await issueToken(t, id, alice.id, ['comments']),
    bobToken: await issueToken(t, id, bob.id, ['user_rates']),
    carolToken: await issueToken(t, id, carol.id, ['user_rates']),
    clientToken: await issueToken(t, id, null, ['user_rates']),
    events,
  };
}

export interface Call {
  token?: string;
  /** Sent as JSON (an object), or as the raw JSON text. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

export function call(t: TestMonban, method: string, url: string, options: Call = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(options.form).toString();
  }
  return t.server.inject({
    method: method as 'GET',
    url,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  });
}

export interface RateFields {
  id: number;
  user_id: number;
  target_id: number;
  target_type: string;
  score?: number;
  status?: string;
  rewatches?: number;
  episodes?: number;
  volumes?: number;
  chapters?: number;
  text?: string | null;
  text_html?: string;
  created_at: string;
  updated_at?: string;
}

/** A rate's wire text: the serializer's 14 keys in their order, with the column defaults for what is not given. */
export function rateText(fields: RateFields): string {
  return JSON.stringify(rateObject(fields));
}

export function rateObject(fields: RateFields) {
  return {
    id: fields.id,
    user_id: fields.user_id,
    target_id: fields.target_id,
    target_type: fields.target_type,
    score: fields.score ?? 0,
    status: fields.status ?? 'planned',
    rewatches: fields.rewatches ?? 0,
    episodes: fields.episodes ?? 0,
    volumes: fields.volumes ?? 0,
    chapters: fields.chapters ?? 0,
    text: fields.text ?? null,
    text_html: fields.text_html ?? fields.text ?? '',
    created_at: fields.created_at,
    updated_at: fields.updated_at ?? fields.created_at,
  };
}

/** A JSON answer of this API: status, Rails' headers, and the body byte for byte. */
export function assertJson(response: LightMyRequestResponse, status: number, body: string, cacheControl = FRESH) {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.body, body);
  assert.equal(response.headers['content-type'], JSON_TYPE);
  assert.equal(response.headers['cache-control'], cacheControl);
  assert.equal(response.headers.vary, VARY);
  assert.equal(response.headers.location, undefined);
}

/** JSON as Rails writes it: `<`, `>` and `&` in strings as \\u escapes. */
export function railsText(value: unknown): string {
  const escapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026' };
  return JSON.stringify(value).replace(/[<>&]/g, (c) => escapes[c] ?? c);
}

/** A 422 of this API: `{"errors":[...]}`, or the bare array on GET. */
export function assertInvalid(response: LightMyRequestResponse, messages: string[], bare = false) {
  assertJson(response, 422, railsText(bare ? messages : { errors: messages }), 'no-cache');
}

export function assertNotFound(response: LightMyRequestResponse, message = 'Страница не найдена') {
  assertJson(response, 404, JSON.stringify({ message, code: 404 }), 'no-cache');
}

export function assertForbidden(response: LightMyRequestResponse) {
  assertJson(response, 403, '{"message":"You are not authorized to access this page.","code":403}', 'no-cache');
}

export const INVALID_TOKEN_BODY =
  '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';
export const METADATA = 'http://localhost:3000/.well-known/oauth-protected-resource/api';

/** A write without a token: Shikimori's 403 and body; Monban adds a challenge naming the scope and no error code. */
export function assertNoToken(response: LightMyRequestResponse) {
  assertForbidden(response);
  assert.equal(response.headers['www-authenticate'], `Bearer realm="Doorkeeper", scope="user_rates", resource_metadata="${METADATA}"`);
}

/** Shikimori's 403 for a token without user_rates: an empty body; Monban adds RFC 6750's challenge. */
export function assertScopeRefused(response: LightMyRequestResponse) {
  assert.equal(response.statusCode, 403, response.body);
  assert.equal(response.body, '');
  assert.equal(
    response.headers['www-authenticate'],
    `Bearer realm="Doorkeeper", error="insufficient_scope", scope="user_rates", resource_metadata="${METADATA}"`,
  );
}

/** The test clock's start in Moscow time, as the API writes it (2026-11-28T12:00:00Z). */
export const START = '2026-11-28T15:00:00.000+03:00';

/** A time after 2014 as the API writes it: Moscow has kept +03:00 since. */
export function moscow(ms: number): string {
  return new Date(ms + 3 * 3600_000).toISOString().replace('Z', '+03:00');
}
