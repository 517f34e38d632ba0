/**
 * Issue 9: the IPv6 loopback `http://[::1]/cb` registers like `http://127.0.0.1/cb` (RFC 8252 §7.3), through the
 * application form, and at /oauth/authorize only its port may vary, as for 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import {
  assertConsentPage,
  assertErrorPage,
  authorizePath,
  codeOf,
  DESCRIPTION,
  ISS,
  redeem,
} from './authorize-support.js';
import { followSeeOther, submitForm, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };

describe('IPv6 loopback redirect URIs (issue 9, RFC 8252 §7.3)', () => {
  let t: TestMonban;
  let browser: Browser;
  before(async () => {
    t = await TestMonban.start();
    await t.createUser('native-dev');
    browser = await t.browserFor('native-dev');
  });
  after(() => t.close());

  /** Creates an application through the new-application form with these redirect URIs (one per line). */
  async function submitNew(redirectUri: string) {
    const form = await browser.get('/oauth/applications/new', en);
    return submitForm(browser, form.body, 'application', { name: 'Native app', redirect_uri: redirectUri }, en);
  }

  async function registered(redirectUri: string): Promise<TestApp> {
    const response = await followSeeOther(browser, await submitNew(redirectUri), en);
    assert.equal(response.statusCode, 200, response.body.slice(0, 2000));
    const clientId = textOf(response.body, 'client_id');
    const application = await t.stores.applications.findByUid(clientId);
    assert.ok(application);
    return { application, clientId, clientSecret: textOf(response.body, 'client_secret') };
  }

  it('registers http://[::1]/cb and http://[::1]:8080/cb through the application form', async () => {
    const app = await registered('http://[::1]/cb\nhttp://[::1]:8080/cb');
    assert.deepEqual(app.application.redirectUris, ['http://[::1]/cb', 'http://[::1]:8080/cb']);
  });

  it('still refuses plain http to an IPv6 address that is not the loopback', async () => {
    const response = await submitNew('http://[::2]/cb');
    assert.equal(response.statusCode, 422);
    assert.equal(textOf(response.body, 'application_redirect_uri_errors'), 'http://[::2]/cb must be an HTTPS/SSL URI.');
  });

  describe('at /oauth/authorize, only the port may vary', () => {
    let bare: TestApp;
    let withPort: TestApp;
    before(async () => {
      bare = await registered('http://[::1]/cb');
      withPort = await registered('http://[::1]:8080/cb');
    });

    const authorize = (app: TestApp, redirectUri: string) =>
      browser.get(authorizePath({ client_id: app.clientId, redirect_uri: redirectUri, response_type: 'code' }));

    for (const accepted of ['http://[::1]:51004/cb', 'http://[::1]/cb', 'http://[::1]:1/cb']) {
      it(`accepts ${accepted} for http://[::1]/cb`, async () => {
        await assertConsentPage(t, await authorize(bare, accepted), accepted, 'user_rates comments topics');
      });
    }

    it('accepts http://[::1]:9/cb and http://[::1]/cb for http://[::1]:8080/cb', async () => {
      for (const accepted of ['http://[::1]:9/cb', 'http://[::1]/cb']) {
        await assertConsentPage(t, await authorize(withPort, accepted), accepted, 'user_rates comments topics');
      }
    });

    const refused = [
      'http://127.0.0.1:51004/cb',
      'http://localhost:51004/cb',
      'http://[::1]:51004/cb2',
      'http://[0:0:0:0:0:0:0:1]:51004/cb',
      'https://[::1]:51004/cb',
      'http://[::1]:0/cb',
      'http://[::1]:65536/cb',
      'http://[::1]:51004/cb?x=1',
    ];
    for (const uri of refused) {
      it(`refuses ${uri} for http://[::1]/cb`, async () => {
        assertErrorPage(await authorize(bare, uri), 'invalid_redirect_uri', DESCRIPTION.invalidRedirectUri);
      });
    }

    it('redirects to the port asked for, and the code redeems with that same URI', async () => {
      const redirectUri = 'http://[::1]:51004/cb';
      const consent = await authorize(bare, redirectUri);
      const response = await browser.submit(consent.body, 'form#authorize');
      const code = codeOf(response);
      assert.equal(response.headers.location, `${redirectUri}?code=${code}&${ISS}`);
      assert.equal((await redeem(t, bare, code, redirectUri)).statusCode, 200);
    });
  });
});
