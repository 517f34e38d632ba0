/**
 * Shared by the authorization endpoint suites (authorize-*.test.ts): building requests, and the shapes the answers
 * must have (compatibility.md §3, §4.1, §4.2; security.md §0's ERRPAGE and ERRREDIR).
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { secretHash } from '../../src/core/secrets.js';
import { escapeHtml } from '../../src/http/pages/html.js';
import { Browser, findForm } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';

/** Doorkeeper's descriptions, as Shikimori's clients and users see them (compatibility.md §1). */
export const DESCRIPTION = {
  invalidClient:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalidRedirectUri: "The requested redirect uri is malformed or doesn't match client redirect URI.",
  invalidScope: 'The requested scope is invalid, unknown, or malformed.',
  unsupportedResponseType: 'The authorization server does not support this response type.',
  accessDenied: 'The resource owner or authorization server denied the request.',
};

/** 43 URL-safe characters: Doorkeeper's `SecureRandom.urlsafe_base64(32)` (compatibility.md §1). */
export const CODE_SHAPE = /^[A-Za-z0-9_-]{43}$/;
export const OOB = 'urn:ietf:wg:oauth:2.0:oob';
/** RFC 9207 §2: every answer redirected to the client ends with the issuer, MONBAN_PUBLIC_URL, form-encoded. */
export const ISS = 'iss=http%3A%2F%2Flocalhost%3A3000';

/** Query parameters exactly as given; pairs allow repeats. */
export type Query = Record<string, string> | string[][];

export function authorizePath(query: Query): string {
  return `/oauth/authorize?${new URLSearchParams(query)}`;
}

/** A valid request for this application (its first redirect URI), with these parameters added or replaced. */
export function authorizePathFor(app: TestApp, params: Record<string, string> = {}): string {
  return authorizePath({
    client_id: app.clientId,
    redirect_uri: app.application.redirectUris[0] ?? '',
    response_type: 'code',
    ...params,
  });
}

/** A valid request for this application as pairs, with `extra` appended (repeats included). */
export function validQuery(app: TestApp, extra: Query = []): string[][] {
  return [
    ['client_id', app.clientId],
    ['redirect_uri', app.application.redirectUris[0] ?? ''],
    ['response_type', 'code'],
    ...(Array.isArray(extra) ? extra : Object.entries(extra)),
  ];
}

/** How many authorization codes were ever issued. */
export async function grantCount(t: TestMonban): Promise<number> {
  const row = await t.monban.database.db
    .selectFrom('access_grants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface TwoClients {
  t: TestMonban;
  browser: Browser;
  conf1: TestApp;
  conf2: TestApp;
}

/** Alice signed in, with one application registering two redirect URIs (conf1) and one registering one (conf2). */
export async function startWithTwoClients(): Promise<TwoClients> {
  const t = await TestMonban.start();
  const alice = await t.createUser('alice');
  const conf1 = await t.createApp(alice.id, { redirectUris: ['https://c1.test/cb', 'https://c1.test/cb2'] });
  const conf2 = await t.createApp(alice.id, { redirectUris: ['https://c2.test/cb'] });
  return { t, browser: await t.browserFor('alice'), conf1, conf2 };
}

/** security.md §0's ERRPAGE: 400, HTML, never a Location, and the error named on the page (compatibility.md §3 "Error page"). */
export function assertErrorPage(response: LightMyRequestResponse, error: string, description: string): void {
  assert.equal(response.statusCode, 400, response.body.slice(0, 300));
  assert.equal(response.headers.location, undefined);
  assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(response.headers['x-frame-options'], 'DENY');
  assert.match(response.body, /<div class="b-errors"/);
  assert.ok(response.body.includes(`<code>${error}</code>`), `no ${error} in ${response.body}`);
  assert.ok(response.body.includes(escapeHtml(description)), `no "${description}" in ${response.body}`);
  assert.doesNotMatch(response.body, /http-equiv="?refresh/i);
  assert.doesNotMatch(response.body, /<form[^>]*id="authorize"/);
}

/** security.md §0's ERRREDIR: a 302 to the exact registered URI with error, error_description, maybe state, and iss. */
export function assertErrorRedirect(
  response: LightMyRequestResponse,
  redirectUri: string,
  expected: { error: string; error_description: string; state?: string },
): void {
  assert.equal(response.statusCode, 302, response.body.slice(0, 300));
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(response.headers.location, `${redirectUri}?${new URLSearchParams(expected)}&${ISS}`);
}

/** The fields of the consent form: the request's id, the CSRF token and the user's choices. */
const CONSENT_FORM_FIELDS = ['_csrf', 'request_id', 'scope_choice', 'scopes'];

/** The request a consent page stands for, as the server keeps it (its forms carry only its id). */
export async function pendingRequestOf(
  t: TestMonban,
  page: string,
): Promise<{ redirectUri: string; scope: string; state: string | null; decided: boolean }> {
  const fields = new Map(findForm(page, 'form#authorize').fields);
  // Nothing of the request itself travels in the form.
  assert.deepEqual([...new Set(fields.keys())].filter((name) => !CONSENT_FORM_FIELDS.includes(name)), []);
  const row = await t.monban.database.db
    .selectFrom('authorization_requests')
    .selectAll()
    .where('id_hash', '=', secretHash(fields.get('request_id') ?? ''))
    .executeTakeFirstOrThrow();
  return { redirectUri: row.redirect_uri, scope: row.scopes, state: row.state, decided: row.decided_at !== null };
}

/** The consent page for this request, kept on the server with the redirect URI and scopes requested. */
export async function assertConsentPage(
  t: TestMonban,
  response: LightMyRequestResponse,
  redirectUri: string,
  scope: string,
): Promise<void> {
  assert.equal(response.statusCode, 200, response.body.slice(0, 500));
  const pending = await pendingRequestOf(t, response.body);
  assert.equal(pending.redirectUri, redirectUri);
  assert.equal(pending.scope, scope);
}

/** The code of a 302 back to the client, after checking the redirect's shape (compatibility.md §4.2). */
export function codeOf(response: LightMyRequestResponse): string {
  assert.equal(response.statusCode, 302, response.body.slice(0, 500));
  assert.equal(response.headers['cache-control'], 'no-store');
  const code = new URL(String(response.headers.location)).searchParams.get('code') ?? '';
  assert.match(code, CODE_SHAPE);
  return code;
}

/** The scope checkboxes of a consent page, in order. */
export function scopeCheckboxes(page: string): Array<{ scope: string; checked: boolean }> {
  return [...page.matchAll(/<input\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => /\btype="checkbox"/.test(tag) && /\bname="scopes"/.test(tag))
    .map((tag) => ({ scope: /\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '', checked: /\schecked\b/.test(tag) }));
}

export function redeem(t: TestMonban, app: TestApp, code: string, redirectUri: string) {
  return t.token({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: app.clientId,
    client_secret: app.clientSecret,
  });
}

/** Redeems a code at /oauth/token and returns the granted scope (compatibility.md §4.3). */
export async function redeemedScope(t: TestMonban, app: TestApp, code: string, redirectUri: string): Promise<string> {
  const response = await redeem(t, app, code, redirectUri);
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { scope: string }).scope;
}
