/** What the client's tests share: a listening in-process Monban, a counting fetch, the consent step. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { TestMonban } from '../helpers/monban.js';
import { HttpBrowser, freePort } from '../helpers/process.js';

/**
 * Monban in this process (in-memory SQLite, movable clock) listening on 127.0.0.1, its public URL the one it listens
 * on, as the issuer a client discovers must be the URL it asked (RFC 8414 §3.3). The port is picked first, since it
 * is part of the configuration, and picked again if taken meanwhile.
 */
export async function listeningMonban(env: Record<string, string> = {}): Promise<{ t: TestMonban; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const t = await TestMonban.start({ MONBAN_PUBLIC_URL: url, ...env });
    try {
      await t.server.listen({ port, host: '127.0.0.1' });
      assert.equal((t.server.server.address() as AddressInfo).port, port);
      return { t, url };
    } catch (err) {
      await t.close();
      if (attempt === 3) throw err;
    }
  }
}

/** One request as it went out: method, path and form body (read from a clone, so the request is sent intact). */
export interface Sent {
  method: string;
  path: string;
  form: URLSearchParams;
  headers: Headers;
}

/** The platform's fetch, noting every request it sends. */
export function countingFetch(): { fetch: (request: Request) => Promise<Response>; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (request) => {
      const url = new URL(request.url);
      const text = request.method === 'POST' ? await request.clone().text() : '';
      sent.push({
        method: request.method,
        path: url.pathname,
        form: new URLSearchParams(text),
        headers: request.headers,
      });
      return fetch(request);
    },
  };
}

/** The refreshes among the requests sent. */
export function refreshes(sent: Sent[]): Sent[] {
  return sent.filter((s) => s.path === '/oauth/token' && s.form.get('grant_type') === 'refresh_token');
}

/** Opens the authorization URL as a signed-in user, consents, and returns where Monban redirects back. */
export async function consent(browser: HttpBrowser, authorizationUrl: string): Promise<string> {
  const url = new URL(authorizationUrl);
  let response = await browser.get(`${url.pathname}${url.search}`);
  if (response.status === 200) response = await browser.submit(await response.text(), 'form#authorize');
  const location = response.headers.get('location');
  assert.equal(response.status, 302, location ?? (await response.text()).slice(0, 500));
  assert.ok(location !== null);
  return location;
}

/** The user answers a device code on the verification page (RFC 8628 §3.3): Continue, then Authorize. */
export async function approveDevice(browser: HttpBrowser, verificationUriComplete: string): Promise<void> {
  const url = new URL(verificationUriComplete);
  const page = await browser.get(`${url.pathname}${url.search}`);
  assert.equal(page.status, 200);
  // Continue answers 303 to the consent page of the request it kept (post/redirect/get).
  const continued = await browser.submit(await page.text(), 'form#device');
  assert.equal(continued.status, 303, await continued.text());
  const consentPage = await browser.get(continued.headers.get('location') ?? '');
  assert.equal(consentPage.status, 200);
  const approved = await browser.submit(await consentPage.text(), 'form#authorize');
  assert.equal(approved.status, 302, await approved.text());
}
