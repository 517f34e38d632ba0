/** Shared by the device authorization grant suites (test/http/device-*.test.ts; RFC 8628; security.md §N). */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { Browser } from '../helpers/browser.js';
import { PUBLIC_URL, type TestApp, type TestMonban } from '../helpers/monban.js';
import { assertTokenHeaders, SECRET_SHAPE } from './token-support.js';

export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §6.1 as Monban draws them: two halves of four letters from BCDFGHJKLMNPQRSTVWXZ. */
export const USER_CODE_SHAPE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** A POST to the device authorization endpoint with these fields (the app's credentials unless overridden). */
export function deviceAuthorizationRequest(
  t: TestMonban,
  app: TestApp,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const form = { client_id: app.clientId, client_secret: app.clientSecret, ...fields };
  return t.server.inject({
    method: 'POST',
    url: '/oauth/device_authorization',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });
}

/** The device authorization answer exactly (RFC 8628 §3.2: its fields in its order, and the no-store headers). */
export function assertDeviceAuthorization(response: LightMyRequestResponse, expiresIn = 600): DeviceAuthorization {
  assert.equal(response.statusCode, 200, response.body);
  assertTokenHeaders(response);
  assert.equal(response.headers['www-authenticate'], undefined);
  const body = response.json() as DeviceAuthorization;
  assert.match(body.device_code, SECRET_SHAPE);
  assert.match(body.user_code, USER_CODE_SHAPE);
  assert.equal(
    response.body,
    JSON.stringify({
      device_code: body.device_code,
      user_code: body.user_code,
      verification_uri: `${PUBLIC_URL}/oauth/device`,
      verification_uri_complete: `${PUBLIC_URL}/oauth/device?user_code=${body.user_code}`,
      expires_in: expiresIn,
      interval: 5,
    }),
  );
  return body;
}

/** A new device code for this application. */
export async function newDeviceCode(
  t: TestMonban,
  app: TestApp,
  fields: Record<string, string> = {},
): Promise<DeviceAuthorization> {
  return assertDeviceAuthorization(await deviceAuthorizationRequest(t, app, fields));
}

/** The device's poll at the token endpoint (RFC 8628 §3.4), as this application. */
export function poll(t: TestMonban, app: TestApp, deviceCode: string): Promise<LightMyRequestResponse> {
  return t.token({
    grant_type: DEVICE_GRANT_TYPE,
    device_code: deviceCode,
    client_id: app.clientId,
    client_secret: app.clientSecret,
  });
}

/** Where a right user code sends the browser: the consent page of the request it kept (post/redirect/get). */
export const CONSENT_LOCATION = /^\/oauth\/device\/consent\?request_id=[A-Za-z0-9_-]{43}$/;

/**
 * Continue on the verification page answers 303 to the consent page, with no-store; this follows it as a browser
 * would, and returns the consent page.
 */
export async function followToConsent(
  browser: Browser,
  continued: LightMyRequestResponse,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  assert.equal(continued.statusCode, 303, continued.body.slice(0, 500));
  assert.equal(continued.headers['cache-control'], 'no-store');
  assert.equal(continued.body, '');
  const location = String(continued.headers.location ?? '');
  assert.match(location, CONSENT_LOCATION);
  return browser.get(location, headers);
}

/** The consent page for a user code, reached as a user would: the verification link, then Continue. */
export async function consentFor(browser: Browser, userCode: string): Promise<LightMyRequestResponse> {
  const page = await browser.get(`/oauth/device?user_code=${encodeURIComponent(userCode)}`);
  assert.equal(page.statusCode, 200, page.body.slice(0, 300));
  const consent = await followToConsent(browser, await browser.submit(page.body, 'form#device'));
  assert.equal(consent.statusCode, 200, consent.body.slice(0, 500));
  return consent;
}

/** Answers the device's request on the consent page: Authorize or Deny, and returns the answer (a 302). */
export async function answer(
  browser: Browser,
  userCode: string,
  approve: boolean,
  changes: Record<string, string | null> = {},
): Promise<LightMyRequestResponse> {
  const consent = await consentFor(browser, userCode);
  return browser.submit(consent.body, approve ? 'form#authorize' : 'form#deny', changes);
}
