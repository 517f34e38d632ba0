/**
 * @monban/client's low layer without a network: each request builder's exact request (URL, headers, form body),
 * and each process function on answers made here (successes, OAuth errors, malformed bodies).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClientUsageError,
  OAuthError,
  ResponseError,
  authorizationCodeRequest,
  buildAuthorizationUrl,
  codeChallengeS256,
  deviceAuthorizationRequest,
  deviceTokenRequest,
  discoveryRequest,
  isInvalidTokenResponse,
  pollDeviceToken,
  processDeviceAuthorizationResponse,
  processDeviceTokenResponse,
  processDiscoveryResponse,
  processRevocationResponse,
  processTokenResponse,
  randomToken,
  refreshTokenRequest,
  revocationRequest,
  shikimoriServer,
  validateCallback,
  type AuthorizationServer,
} from '../../packages/client/src/index.js';
import { jsonResponse } from './responses.js';

const BASE = 'https://monban.example';
const SERVER: AuthorizationServer = {
  issuer: BASE,
  authorizationEndpoint: `${BASE}/oauth/authorize`,
  tokenEndpoint: `${BASE}/oauth/token`,
  revocationEndpoint: `${BASE}/oauth/revoke`,
  deviceAuthorizationEndpoint: `${BASE}/oauth/device_authorization`,
  whoamiEndpoint: `${BASE}/api/users/whoami`,
  issParameterSupported: true,
};
const CONFIDENTIAL = { clientId: 'client-1', clientSecret: 's3cret' };
const PUBLIC = { clientId: 'client-2' };
const UA = { userAgent: 'Test app/1.0' };

async function form(request: Request): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams(await request.text()));
}

function rejectsWith(promise: Promise<unknown>, check: (err: unknown) => boolean) {
  return assert.rejects(promise, (err: unknown) => {
    assert.ok(check(err), String(err));
    return true;
  });
}

describe('PKCE and state', () => {
  it('randomToken gives 43 base64url characters, different each time', () => {
    const a = randomToken();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, randomToken());
  });

  it("codeChallengeS256 is RFC 7636 Appendix B's example", async () => {
    assert.equal(
      await codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});

describe('discovery (RFC 8414)', () => {
  it('asks the well-known path, with the User-Agent', () => {
    const request = discoveryRequest(`${BASE}/`, UA);
    assert.equal(request.url, `${BASE}/.well-known/oauth-authorization-server`);
    assert.equal(request.method, 'GET');
    assert.equal(request.headers.get('user-agent'), 'Test app/1.0');
    assert.equal(request.headers.get('accept'), 'application/json');
  });

  it('reads the endpoints and the iss promise from the metadata', async () => {
    const server = await processDiscoveryResponse(
      BASE,
      jsonResponse(200, {
        issuer: BASE,
        authorization_endpoint: `${BASE}/oauth/authorize`,
        token_endpoint: `${BASE}/oauth/token`,
        revocation_endpoint: `${BASE}/oauth/revoke`,
        device_authorization_endpoint: `${BASE}/oauth/device_authorization`,
        authorization_response_iss_parameter_supported: true,
      }),
    );
    assert.deepEqual(server, SERVER);
  });

  it("falls back to Shikimori's fixed paths on 404", async () => {
    const server = await processDiscoveryResponse('https://shikimori.one', new Response('not found', { status: 404 }));
    assert.deepEqual(server, {
      issuer: 'https://shikimori.one',
      authorizationEndpoint: 'https://shikimori.one/oauth/authorize',
      tokenEndpoint: 'https://shikimori.one/oauth/token',
      revocationEndpoint: 'https://shikimori.one/oauth/revoke',
      whoamiEndpoint: 'https://shikimori.one/api/users/whoami',
      issParameterSupported: false,
    });
    assert.deepEqual(shikimoriServer('https://shikimori.one/'), server);
  });

  it('refuses metadata naming another issuer (RFC 8414 §3.3)', async () => {
    await rejectsWith(
      processDiscoveryResponse(BASE, jsonResponse(200, { issuer: 'https://evil.example' })),
      (err) => err instanceof ResponseError && err.code === 'issuer_mismatch',
    );
  });

  it('refuses a base URL that is missing, not a URL, or plain http to another machine', () => {
    for (const [value, code] of [
      ['', 'base_url_required'],
      [undefined, 'base_url_required'],
      ['monban', 'base_url_invalid'],
      ['http://monban.example', 'base_url_invalid'],
      ['https://monban.example/?x=1', 'base_url_invalid'],
    ] as const) {
      assert.throws(
        () => shikimoriServer(value as string),
        (err: unknown) => err instanceof TypeError && err instanceof ClientUsageError && err.code === code,
      );
    }
    assert.equal(shikimoriServer('http://127.0.0.1:3000').issuer, 'http://127.0.0.1:3000');
  });
});

describe('authorization URL and callback', () => {
  const parameters = { clientId: 'client-1', redirectUri: 'https://app.example/cb', state: 'st', codeChallenge: 'ch' };

  it("builds RFC 6749 §4.1.1's URL with PKCE S256", () => {
    const url = buildAuthorizationUrl(SERVER, { ...parameters, scopes: ['user_rates', 'comments'] });
    assert.equal(
      url.href,
      `${BASE}/oauth/authorize?client_id=client-1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code` +
        '&scope=user_rates+comments&state=st&code_challenge=ch&code_challenge_method=S256',
    );
    assert.equal(buildAuthorizationUrl(SERVER, parameters).searchParams.has('scope'), false);
  });

  it('returns the code of a callback with the right state and iss', () => {
    assert.equal(validateCallback(SERVER, `https://app.example/cb?code=c0de&state=st&iss=${BASE}`, 'st'), 'c0de');
  });

  it('checks state first, then iss (RFC 9207 §2.4), then reads an error', () => {
    const check = (url: string) => () => validateCallback(SERVER, url, 'st');
    const code = (c: string) => (err: unknown) => err instanceof ResponseError && err.code === c;
    assert.throws(check(`https://app.example/cb?code=c&state=other&iss=${BASE}`), code('state_mismatch'));
    assert.throws(check('https://app.example/cb?code=c&state=st&iss=https://evil.example'), code('iss_mismatch'));
    assert.throws(check('https://app.example/cb?code=c&state=st'), code('iss_missing'));
    assert.throws(check(`https://app.example/cb?state=st&iss=${BASE}`), code('code_missing'));
    assert.throws(
      check(`https://app.example/cb?error=access_denied&error_description=No.&state=st&iss=${BASE}`),
      (err: unknown) =>
        err instanceof OAuthError &&
        err.error === 'access_denied' &&
        err.error_description === 'No.' &&
        err.status === undefined,
    );
    // Shikimori sends no iss and does not promise it: a callback without one is fine there.
    assert.equal(validateCallback(shikimoriServer(BASE), 'https://app.example/cb?code=c&state=st', 'st'), 'c');
  });
});

describe('token requests (RFC 6749 §4.1.3, §6) and their answers', () => {
  it('a code exchange with the secret in the body and the verifier', async () => {
    const request = authorizationCodeRequest(
      SERVER,
      CONFIDENTIAL,
      { code: 'c0de', redirectUri: 'https://app.example/cb', codeVerifier: 'v' },
      UA,
    );
    assert.equal(request.url, `${BASE}/oauth/token`);
    assert.equal(request.method, 'POST');
    assert.equal(request.headers.get('content-type'), 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.equal(request.headers.get('user-agent'), 'Test app/1.0');
    assert.equal(request.headers.get('authorization'), null);
    assert.deepEqual(await form(request), {
      grant_type: 'authorization_code',
      code: 'c0de',
      redirect_uri: 'https://app.example/cb',
      code_verifier: 'v',
      client_id: 'client-1',
      client_secret: 's3cret',
    });
  });

  it('client_secret_basic form-encodes both halves (RFC 6749 §2.3.1)', async () => {
    const request = refreshTokenRequest(
      SERVER,
      { clientId: 'a b', clientSecret: 'x:y', authMethod: 'client_secret_basic' },
      'r1',
    );
    assert.equal(request.headers.get('authorization'), `Basic ${btoa('a+b:x%3Ay')}`);
    assert.deepEqual(await form(request), { grant_type: 'refresh_token', refresh_token: 'r1' });
  });

  it('a public client sends only its client_id', async () => {
    assert.deepEqual(await form(refreshTokenRequest(SERVER, PUBLIC, 'r1')), {
      grant_type: 'refresh_token',
      refresh_token: 'r1',
      client_id: 'client-2',
    });
  });

  it("reads Shikimori's token answer, expiresAt on this machine's clock", async () => {
    const tokens = await processTokenResponse(
      jsonResponse(200, {
        access_token: 'at',
        token_type: 'Bearer',
        expires_in: 86400,
        refresh_token: 'rt',
        scope: 'user_rates',
        created_at: 1,
      }),
      1_000_000,
    );
    assert.deepEqual(tokens, {
      accessToken: 'at',
      tokenType: 'Bearer',
      refreshToken: 'rt',
      scope: 'user_rates',
      expiresAt: 1_000_000 + 86_400_000,
    });
  });

  it('throws the OAuth error with error and error_description', async () => {
    await rejectsWith(
      processTokenResponse(jsonResponse(400, { error: 'invalid_grant', error_description: 'The provided…' })),
      (err) =>
        err instanceof OAuthError &&
        err.error === 'invalid_grant' &&
        err.error_description === 'The provided…' &&
        err.status === 400,
    );
  });

  it('refuses answers that are not token answers', async () => {
    const code = (c: string) => (err: unknown) => err instanceof ResponseError && err.code === c;
    await rejectsWith(processTokenResponse(new Response('<html>', { status: 200 })), code('invalid_json'));
    await rejectsWith(processTokenResponse(jsonResponse(200, { token_type: 'bearer' })), code('invalid_body'));
    await rejectsWith(processTokenResponse(jsonResponse(502, { message: 'bad gateway' })), code('unexpected_status'));
    await rejectsWith(
      processTokenResponse(jsonResponse(200, { access_token: 'a', token_type: 'mac' })),
      (err) => err instanceof OAuthError && err.error === 'unsupported_token_type',
    );
  });

  it('a 429 the retries did not get past is rate_limited at every OAuth endpoint (RFC 6585 §4)', async () => {
    // Shikimori's throttle (rack-attack) answers plain text; a JSON body without `error` is rate_limited too.
    const plain = () => new Response('Retry later\n', { status: 429, headers: { 'content-type': 'text/plain' } });
    const limited = (err: unknown) => err instanceof ResponseError && err.code === 'rate_limited' && err.status === 429;
    await rejectsWith(processTokenResponse(plain()), limited);
    await rejectsWith(processTokenResponse(jsonResponse(429, { message: 'Too many requests' })), limited);
    await rejectsWith(processRevocationResponse(plain()), limited);
    await rejectsWith(processDeviceAuthorizationResponse(plain()), limited);
    await rejectsWith(processDeviceTokenResponse(plain()), limited);
    await rejectsWith(processDiscoveryResponse(BASE, plain()), limited);
    // An OAuth error body sent with 429 is still the OAuth error.
    await rejectsWith(
      processTokenResponse(jsonResponse(429, { error: 'slow_down' })),
      (err) => err instanceof OAuthError && err.error === 'slow_down' && err.status === 429,
    );
  });
});

describe('revocation (RFC 7009)', () => {
  it('sends the token and its hint with client authentication', async () => {
    const request = revocationRequest(SERVER, CONFIDENTIAL, 'rt', 'refresh_token', UA);
    assert.equal(request.url, `${BASE}/oauth/revoke`);
    assert.deepEqual(await form(request), {
      token: 'rt',
      token_type_hint: 'refresh_token',
      client_id: 'client-1',
      client_secret: 's3cret',
    });
  });

  it('200 is success; an error body is thrown', async () => {
    await processRevocationResponse(jsonResponse(200, {}));
    await rejectsWith(
      processRevocationResponse(jsonResponse(403, { error: 'unauthorized_client', error_description: 'x' })),
      (err) => err instanceof OAuthError && err.error === 'unauthorized_client' && err.status === 403,
    );
  });
});

describe('device grant (RFC 8628)', () => {
  const answer = {
    device_code: 'dc',
    user_code: 'ABCD-EFGH',
    verification_uri: `${BASE}/oauth/device`,
    verification_uri_complete: `${BASE}/oauth/device?user_code=ABCD-EFGH`,
    expires_in: 600,
    interval: 5,
  };

  it('asks for a device code with the scopes', async () => {
    const request = deviceAuthorizationRequest(SERVER, PUBLIC, ['user_rates', 'comments'], UA);
    assert.equal(request.url, `${BASE}/oauth/device_authorization`);
    assert.deepEqual(await form(request), { scope: 'user_rates comments', client_id: 'client-2' });
  });

  it('is a usage error against a server without a device grant (Shikimori)', () => {
    assert.throws(
      () => deviceAuthorizationRequest(shikimoriServer('https://shikimori.one'), PUBLIC),
      (err: unknown) => err instanceof ClientUsageError && err.code === 'device_grant_unsupported',
    );
  });

  it('reads the device authorization answer', async () => {
    assert.deepEqual(await processDeviceAuthorizationResponse(jsonResponse(200, answer)), {
      deviceCode: 'dc',
      userCode: 'ABCD-EFGH',
      verificationUri: `${BASE}/oauth/device`,
      verificationUriComplete: `${BASE}/oauth/device?user_code=ABCD-EFGH`,
      expiresIn: 600,
      interval: 5,
    });
  });

  it('a poll: the grant type and the device code', async () => {
    assert.deepEqual(await form(deviceTokenRequest(SERVER, PUBLIC, 'dc')), {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'dc',
      client_id: 'client-2',
    });
  });

  it('pending and slow_down are results, other errors are thrown', async () => {
    assert.deepEqual(await processDeviceTokenResponse(jsonResponse(400, { error: 'authorization_pending' })), {
      status: 'authorization_pending',
    });
    assert.deepEqual(await processDeviceTokenResponse(jsonResponse(400, { error: 'slow_down' })), {
      status: 'slow_down',
    });
    await rejectsWith(
      processDeviceTokenResponse(jsonResponse(400, { error: 'access_denied' })),
      (err) => err instanceof OAuthError && err.error === 'access_denied',
    );
    const done = await processDeviceTokenResponse(jsonResponse(200, { access_token: 'a', token_type: 'Bearer' }), 5);
    assert.deepEqual(done, { status: 'complete', tokens: { accessToken: 'a', tokenType: 'Bearer' } });
  });

  it('polls every interval, 5 s more after each slow_down, until the tokens', async () => {
    const answers = [
      jsonResponse(400, { error: 'authorization_pending' }),
      jsonResponse(400, { error: 'slow_down' }),
      jsonResponse(400, { error: 'authorization_pending' }),
      jsonResponse(400, { error: 'slow_down' }),
      jsonResponse(200, { access_token: 'a', token_type: 'Bearer', refresh_token: 'r' }),
    ];
    const waits: number[] = [];
    let clock = 0;
    const tokens = await pollDeviceToken(
      SERVER,
      PUBLIC,
      await processDeviceAuthorizationResponse(jsonResponse(200, answer)),
      {
        send: async () => answers.shift() ?? assert.fail('polled too often'),
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
        now: () => clock,
      },
    );
    assert.deepEqual(waits, [5000, 5000, 10_000, 10_000, 15_000]);
    assert.equal(tokens.refreshToken, 'r');
  });

  it('gives up with expired_token once the codes expired', async () => {
    let clock = 0;
    await rejectsWith(
      pollDeviceToken(
        SERVER,
        PUBLIC,
        { ...(await processDeviceAuthorizationResponse(jsonResponse(200, answer))), expiresIn: 12 },
        {
          send: async () => jsonResponse(400, { error: 'authorization_pending' }),
          sleep: async (ms) => void (clock += ms),
          now: () => clock,
        },
      ),
      (err) => err instanceof OAuthError && err.error === 'expired_token',
    );
  });
});

describe("the API's 401 (RFC 6750 §3.1)", () => {
  it("is invalid_token from the challenge, or from Shikimori's body", async () => {
    const challenge =
      'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"';
    assert.equal(
      await isInvalidTokenResponse(new Response('', { status: 401, headers: { 'www-authenticate': challenge } })),
      true,
    );
    assert.equal(
      await isInvalidTokenResponse(jsonResponse(401, { error: 'invalid_token', state: 'unauthorized' })),
      true,
    );
    const response = jsonResponse(401, { error: 'invalid_token' });
    await isInvalidTokenResponse(response);
    assert.deepEqual(await response.json(), { error: 'invalid_token' }, 'the body is still there');
  });

  it('is not for other answers', async () => {
    assert.equal(await isInvalidTokenResponse(jsonResponse(403, { error: 'invalid_token' })), false);
    assert.equal(
      await isInvalidTokenResponse(
        new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer realm="x"' } }),
      ),
      false,
    );
    assert.equal(await isInvalidTokenResponse(new Response('nope', { status: 401 })), false);
  });
});
