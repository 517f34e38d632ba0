/**
 * A strict third-party client, oauth4webapi, against Monban over real HTTP: discovery (RFC 8414), the
 * authorization-code flow as a public client with PKCE S256 and `iss` (RFC 7636, RFC 9207), a refresh, the API,
 * the device flow (RFC 8628), and a confidential client authenticating with client_secret_basic. Whatever
 * oauth4webapi refuses in Monban's answers fails these tests.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { HttpBrowser, freePort } from '../helpers/process.js';
import { PASSWORD, TestMonban, type TestApp } from '../helpers/monban.js';

const REDIRECT_URI = 'https://client.example/cb';
/** Monban listens on plain HTTP on 127.0.0.1; oauth4webapi asks for https unless told otherwise. */
const insecure = { [oauth.allowInsecureRequests]: true } as const;

/**
 * Monban (in this process, with the test clock) listening on 127.0.0.1, its MONBAN_PUBLIC_URL being the URL it
 * listens on: the issuer a client discovers must be the one it asked (RFC 8414 §3.3). The port is chosen first
 * (the public URL is part of the configuration), and chosen again if someone took it in between.
 */
async function listeningMonban(): Promise<{ t: TestMonban; issuer: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const t = await TestMonban.start({ MONBAN_PUBLIC_URL: issuer });
    try {
      await t.server.listen({ port, host: '127.0.0.1' });
      assert.equal((t.server.server.address() as AddressInfo).port, port);
      return { t, issuer };
    } catch (err) {
      await t.close();
      if (attempt === 3) throw err;
    }
  }
}

/** The authorization response's URL: consent given on the page if asked, then the 302 to the client. */
async function consent(browser: HttpBrowser, authorizationUrl: URL): Promise<URL> {
  let response = await browser.get(`${authorizationUrl.pathname}${authorizationUrl.search}`);
  if (response.status === 200) response = await browser.submit(await response.text(), 'form#authorize');
  const location = response.headers.get('location');
  assert.equal(response.status, 302, location ?? (await response.text()).slice(0, 500));
  assert.ok(location !== null);
  return new URL(location);
}

/**
 * The OAuth error oauth4webapi read from an error answer: from the JSON body (its ResponseBodyError), or, when the
 * answer also has a `WWW-Authenticate` header, from that challenge (its WWWAuthenticateChallengeError), which
 * oauth4webapi reads first.
 */
async function oauthErrorOf(promise: Promise<unknown>): Promise<{ error: string; status: number; from: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) return { error: err.error, status: err.status, from: 'body' };
    if (err instanceof oauth.WWWAuthenticateChallengeError) {
      const [challenge] = err.cause;
      return { error: String(challenge?.parameters.error), status: err.status, from: `${challenge?.scheme} challenge` };
    }
    throw err;
  }
  assert.fail('expected an OAuth error answer');
}

describe('oauth4webapi (a strict third-party client) completes every flow against Monban over HTTP', () => {
  let t: TestMonban;
  let issuer: string;
  let as: oauth.AuthorizationServer;
  let browser: HttpBrowser;
  let publicApp: TestApp;
  let confidentialApp: TestApp;

  before(async () => {
    ({ t, issuer } = await listeningMonban());
    const alice = await t.createUser('alice');
    publicApp = await t.createApp(alice.id, { name: 'Mobile app', redirectUris: [REDIRECT_URI], confidential: false });
    confidentialApp = await t.createApp(alice.id, { name: 'Web app', redirectUris: [REDIRECT_URI] });
    browser = new HttpBrowser(issuer);
    await browser.signIn('alice', PASSWORD);
  });
  after(() => t.close());

  it('discovers Monban from /.well-known/oauth-authorization-server (RFC 8414), issuer = MONBAN_PUBLIC_URL', async () => {
    const issuerUrl = new URL(issuer);
    const response = await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...insecure });
    assert.equal(response.url, `${issuer}/.well-known/oauth-authorization-server`);
    as = await oauth.processDiscoveryResponse(issuerUrl, response);
    assert.equal(as.issuer, issuer);
    assert.equal(as.authorization_endpoint, `${issuer}/oauth/authorize`);
    assert.equal(as.token_endpoint, `${issuer}/oauth/token`);
    assert.equal(as.device_authorization_endpoint, `${issuer}/oauth/device_authorization`);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.authorization_response_iss_parameter_supported, true);

    // The API's own metadata (RFC 9728), found from the resource's URL, names Monban as its authorization server.
    const resource = new URL(`${issuer}/api`);
    const rs = await oauth.processResourceDiscoveryResponse(
      resource,
      await oauth.resourceDiscoveryRequest(resource, insecure),
    );
    assert.deepEqual(rs.authorization_servers, [issuer]);
  });

  it('a public client: code with PKCE S256, iss checked, tokens, a refresh, then the API with the new token', async () => {
    const client: oauth.Client = { client_id: publicApp.clientId };
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorizationUrl = new URL(String(as.authorization_endpoint));
    authorizationUrl.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'user_rates',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();

    const callback = await consent(browser, authorizationUrl);
    assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
    // Checks `iss` against the discovered issuer (RFC 9207 §2.4), and `state`.
    const params = oauth.validateAuthResponse(as, client, callback, state);
    assert.equal(params.get('iss'), issuer);

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT_URI, codeVerifier, insecure),
    );
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.scope, 'user_rates');
    assert.equal(typeof tokens.refresh_token, 'string');

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), String(tokens.refresh_token), insecure),
    );
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

    const whoami = await oauth.protectedResourceRequest(
      refreshed.access_token,
      'GET',
      new URL(`${issuer}/api/users/whoami`),
      undefined,
      undefined,
      insecure,
    );
    assert.equal(whoami.status, 200);
    assert.equal(((await whoami.json()) as { nickname: string }).nickname, 'alice');
  });

  it('a public client: a wrong code_verifier is invalid_grant, read from the Bearer challenge Shikimori sends', async () => {
    const client: oauth.Client = { client_id: publicApp.clientId };
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const authorizationUrl = new URL(String(as.authorization_endpoint));
    authorizationUrl.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await consent(browser, authorizationUrl);
    const params = oauth.validateAuthResponse(as, client, callback, oauth.expectNoState);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      REDIRECT_URI,
      oauth.generateRandomCodeVerifier(),
      insecure,
    );
    // Every token error carries Doorkeeper's `WWW-Authenticate: Bearer ...` (compatibility.md §4), which
    // oauth4webapi reads before the body: the error is the challenge's, and the same.
    assert.deepEqual(await oauthErrorOf(oauth.processAuthorizationCodeResponse(as, client, response)), {
      error: 'invalid_grant',
      status: 400,
      from: 'bearer challenge',
    });
  });

  it('an error redirect carries iss too, and oauth4webapi reads it as the authorization error', async () => {
    const client: oauth.Client = { client_id: publicApp.clientId };
    const authorizationUrl = new URL(String(as.authorization_endpoint));
    // A public client without a PKCE challenge: invalid_request, redirected (RFC 7636 §4.4.1).
    authorizationUrl.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      state: 'st',
    }).toString();
    const callback = await consent(browser, authorizationUrl);
    assert.equal(callback.searchParams.get('iss'), issuer);
    // oauth4webapi checks `iss` first (RFC 9207 §2.4), then reads the error.
    assert.throws(
      () => oauth.validateAuthResponse(as, client, callback, 'st'),
      (err: unknown) => err instanceof oauth.AuthorizationResponseError && err.error === 'invalid_request',
    );
  });

  it('the device flow: device authorization, the user approves on /oauth/device, polling until the tokens', async () => {
    const client: oauth.Client = { client_id: publicApp.clientId };
    const device = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, oauth.None(), { scope: 'user_rates' }, insecure),
    );
    assert.equal(device.verification_uri, `${issuer}/oauth/device`);
    assert.equal(device.verification_uri_complete, `${issuer}/oauth/device?user_code=${device.user_code}`);
    assert.equal(device.interval, 5);

    const pollOnce = async () =>
      oauth.processDeviceCodeResponse(
        as,
        client,
        await oauth.deviceCodeGrantRequest(as, client, oauth.None(), device.device_code, insecure),
      );
    // RFC 8628 §3.5's answers in the body alone, with no challenge: oauth4webapi (and openid-client's polling,
    // built on it) keeps polling only on a ResponseBodyError.
    assert.deepEqual(await oauthErrorOf(pollOnce()), { error: 'authorization_pending', status: 400, from: 'body' });

    // The user: the verification link, Continue (303 to the consent page), then Authorize on the consent page.
    const verification = new URL(String(device.verification_uri_complete));
    const page = await browser.get(`${verification.pathname}${verification.search}`);
    assert.equal(page.status, 200);
    const continued = await browser.submit(await page.text(), 'form#device');
    assert.equal(continued.status, 303, await continued.text());
    const consentPage = await browser.get(continued.headers.get('location') ?? '');
    assert.equal(consentPage.status, 200);
    const approved = await browser.submit(await consentPage.text(), 'form#authorize');
    assert.equal(approved.status, 302, await approved.text());

    // The device, waiting `interval` between polls (more after a slow_down: RFC 8628 §3.5).
    let interval = device.interval ?? 5;
    let tokens: oauth.TokenEndpointResponse | undefined;
    for (let polls = 0; tokens === undefined; polls++) {
      assert.ok(polls < 5, 'no tokens after 5 polls');
      t.clock.advance(interval);
      try {
        tokens = await pollOnce();
      } catch (err) {
        if (!(err instanceof oauth.ResponseBodyError)) throw err;
        if (err.error === 'slow_down') interval += 5;
        else if (err.error !== 'authorization_pending') throw err;
      }
    }
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.scope, 'user_rates');
    const whoami = await oauth.protectedResourceRequest(
      tokens.access_token,
      'GET',
      new URL(`${issuer}/api/users/whoami`),
      undefined,
      undefined,
      insecure,
    );
    assert.equal(whoami.status, 200);
    assert.equal(((await whoami.json()) as { nickname: string }).nickname, 'alice');
    // Tokens once (RFC 8628 §3.5): a poll after them is invalid_grant.
    t.clock.advance(interval);
    assert.deepEqual(await oauthErrorOf(pollOnce()), { error: 'invalid_grant', status: 400, from: 'bearer challenge' });
  });

  it('a confidential client with client_secret_basic: code (with PKCE), refresh, introspection, revocation', async () => {
    const client: oauth.Client = { client_id: confidentialApp.clientId };
    const auth = oauth.ClientSecretBasic(confidentialApp.clientSecret);
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorizationUrl = new URL(String(as.authorization_endpoint));
    authorizationUrl.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
    const params = oauth.validateAuthResponse(as, client, await consent(browser, authorizationUrl), state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, codeVerifier, insecure),
    );
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, String(tokens.refresh_token), insecure),
    );

    const introspection = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure),
    );
    assert.equal(introspection.active, true);
    assert.equal(introspection.client_id, client.client_id);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, refreshed.access_token, insecure),
    );
    const revoked = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, refreshed.access_token, insecure),
    );
    assert.equal(revoked.active, false);

    // A client-credentials token and a device code too, through the same authentication.
    const credentials = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, auth, {}, insecure),
    );
    assert.equal(credentials.token_type, 'bearer');
    const device = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, auth, {}, insecure),
    );
    assert.equal(device.interval, 5);
  });

  it('the API refuses a bad token with a Bearer challenge that oauth4webapi parses (RFC 6750 §3, RFC 9728 §5.1)', async () => {
    const request = oauth.protectedResourceRequest(
      'not-a-token',
      'GET',
      new URL(`${issuer}/api/users/whoami`),
      undefined,
      undefined,
      insecure,
    );
    await assert.rejects(request, (err: unknown) => {
      assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, String(err));
      assert.equal(err.status, 401);
      assert.deepEqual(
        err.cause.map((c) => [c.scheme, c.parameters.error, c.parameters.resource_metadata]),
        [['bearer', 'invalid_token', `${issuer}/.well-known/oauth-protected-resource/api`]],
      );
      return true;
    });
  });

  it('a wrong secret through client_secret_basic: 401 invalid_client, with a Basic challenge oauth4webapi reads', async () => {
    const client: oauth.Client = { client_id: confidentialApp.clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic('wrong secret'),
      {},
      insecure,
    );
    assert.equal(response.status, 401);
    await assert.rejects(
      oauth.processClientCredentialsResponse(as, client, response),
      (err: unknown) =>
        err instanceof oauth.WWWAuthenticateChallengeError && err.cause[0]?.scheme === 'basic' && err.status === 401,
    );
  });
});
