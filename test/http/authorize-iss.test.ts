/**
 * Issue 11: every authorization response redirected to the client names the issuer in `iss` (RFC 9207 §2), after
 * Doorkeeper's parameters, on success and on error, so that a client of several servers can tell which one answered
 * (security.md #18, #19, #42). The out-of-band code page is Monban's own page, not an answer to a client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { authorizePathFor, codeOf, OOB } from './authorize-support.js';

/** MONBAN_PUBLIC_URL with a path and a trailing slash: the issuer is the setting without the slash. */
const PUBLIC_URL = 'https://auth.example.test/monban/';
const ISSUER = 'https://auth.example.test/monban';
const ISS = 'iss=https%3A%2F%2Fauth.example.test%2Fmonban';
const DENIED = 'error=access_denied&error_description=The+resource+owner+or+authorization+server+denied+the+request.';
const INVALID_SCOPE = 'error=invalid_scope&error_description=The+requested+scope+is+invalid%2C+unknown%2C+or+malformed.';

describe('iss on every authorization response (RFC 9207; issue 11)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let oob: TestApp;
  before(async () => {
    t = await TestMonban.start({ MONBAN_PUBLIC_URL: PUBLIC_URL });
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id, { redirectUris: ['https://c.test/cb'] });
    oob = await t.createApp(owner.id, { redirectUris: [OOB] });
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  const consent = async (params: Record<string, string>) => {
    const page = await alice.get(authorizePathFor(app, { scope: 'comments', ...params }));
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    return page.body;
  };

  it('the issuer is the one the metadata names', async () => {
    const metadata = await t.server.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    assert.equal((metadata.json() as { issuer: string }).issuer, ISSUER);
  });

  it('Authorize: code, state, then iss; without state, code then iss', async () => {
    const withState = await alice.submit(await consent({ state: 'a b&c' }), 'form#authorize');
    assert.equal(withState.headers.location, `https://c.test/cb?code=${codeOf(withState)}&state=a+b%26c&${ISS}`);
    const withoutState = await alice.submit(await consent({}), 'form#authorize');
    assert.equal(withoutState.headers.location, `https://c.test/cb?code=${codeOf(withoutState)}&${ISS}`);
  });

  it('a returning user skipping consent gets iss too', async () => {
    const code = codeOf(await alice.submit(await consent({ scope: 'topics' }), 'form#authorize'));
    const exchanged = await t.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://c.test/cb',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    assert.equal(exchanged.statusCode, 200, exchanged.body);
    const skipped = await alice.get(authorizePathFor(app, { scope: 'topics', state: 'again' }));
    assert.equal(skipped.headers.location, `https://c.test/cb?code=${codeOf(skipped)}&state=again&${ISS}`);
  });

  it('Deny: error, error_description, state, then iss; without state, no state', async () => {
    const withState = await alice.submit(await consent({ state: 'xyz' }), 'form#deny');
    assert.equal(withState.statusCode, 302);
    assert.equal(withState.headers.location, `https://c.test/cb?${DENIED}&state=xyz&${ISS}`);
    const withoutState = await alice.submit(await consent({}), 'form#deny');
    assert.equal(withoutState.headers.location, `https://c.test/cb?${DENIED}&${ISS}`);
  });

  it('an error found before consent goes back with iss, with and without state', async () => {
    const withState = await alice.get(authorizePathFor(app, { scope: 'messages', state: 's1' }));
    assert.equal(withState.statusCode, 302);
    assert.equal(withState.headers.location, `https://c.test/cb?${INVALID_SCOPE}&state=s1&${ISS}`);
    const withoutState = await alice.get(authorizePathFor(app, { scope: 'messages' }));
    assert.equal(withoutState.headers.location, `https://c.test/cb?${INVALID_SCOPE}&${ISS}`);
  });

  it('the out-of-band code page is not a redirect to the client, and carries no iss', async () => {
    const response = await alice.submit(
      (await alice.get(authorizePathFor(oob, { state: 's' }))).body,
      'form#authorize',
    );
    assert.equal(response.statusCode, 302);
    assert.match(String(response.headers.location), /^https:\/\/auth\.example\.test\/monban\/oauth\/authorize\/[A-Za-z0-9_-]{43}$/);
  });
});
