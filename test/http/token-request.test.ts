import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { secretHash } from '../../src/core/secrets.js';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import {
  assertTokenError,
  assertTokenSuccess,
  basic,
  INVALID_CLIENT,
  missing,
  multipart,
  postToken,
  repeated,
  UNSUPPORTED_GRANT_TYPE,
  unixSeconds,
} from './token-support.js';

const REDIRECT_URI = 'https://client.example/cb';
const FORM = 'application/x-www-form-urlencoded';

const unreadable = (reason: string) => ({
  error: 'invalid_request',
  error_description: `The request body could not be read: ${reason}.`,
});

/** POST /oauth/token: body formats, client authentication, grant_type and repeated parameters (compatibility.md §4.3). */
describe('POST /oauth/token requests', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let ownerId: number;

  const clientCredentials = (client: TestApp = app) => ({
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
  });

  /** An application whose client_id and secret are chosen by the test (older Shikimori apps have other shapes). */
  async function appWith(clientId: string, clientSecret: string): Promise<TestApp> {
    const application = await t.stores.applications.create({
      uid: clientId,
      secretHash: secretHash(clientSecret),
      name: `App ${clientId}`,
      redirectUris: [REDIRECT_URI],
      scopes: ['user_rates', 'comments', 'topics'],
      allowedScopes: ['user_rates', 'comments', 'topics'],
      descriptionEn: '',
      descriptionRu: '',
      ownerId,
      at: t.clock.now(),
    });
    return { application, clientId, clientSecret };
  }

  before(async () => {
    t = await TestMonban.start();
    ownerId = (await t.createUser('alice')).id;
    app = await t.createApp(ownerId);
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  describe('grant_type (compatibility.md §4.3 steps 1-2)', () => {
    it('1: a missing grant_type is invalid_request, before client authentication', async () => {
      const response = await t.token({ client_id: app.clientId, client_secret: 'wrong' });
      assertTokenError(response, 400, missing('grant_type'));
    });

    it('1: an empty grant_type counts as missing', async () => {
      assertTokenError(await t.token({ grant_type: '' }), 400, missing('grant_type'));
    });

    it('1: an empty body is a missing grant_type', async () => {
      assertTokenError(await postToken(t, '', { 'content-type': FORM }), 400, missing('grant_type'));
    });

    // The device code grant is supported since issue 11 (token-device-code.test.ts); another URN stands in for it.
    for (const grantType of ['password', 'implicit', 'token', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'x']) {
      it(`2: grant_type=${grantType} is unsupported_grant_type, before client authentication`, async () => {
        const response = await t.token({ grant_type: grantType, client_id: 'nobody', client_secret: 'x' });
        assertTokenError(response, 400, UNSUPPORTED_GRANT_TYPE);
      });
    }

    it('2: the password grant is refused even with a real user and client (RFC 9700 §2.4)', async () => {
      const response = await t.token({
        ...clientCredentials(),
        grant_type: 'password',
        username: 'alice',
        password: 'correct horse battery',
      });
      assertTokenError(response, 400, UNSUPPORTED_GRANT_TYPE);
    });

    it('2: grant_type is compared exactly, as Doorkeeper does', async () => {
      const response = await t.token({ ...clientCredentials(), grant_type: 'Client_Credentials' });
      assertTokenError(response, 400, UNSUPPORTED_GRANT_TYPE);
    });
  });

  describe('repeated parameters (RFC 6749 §3.2: MUST NOT be included more than once)', () => {
    it('a repeated grant_type is invalid_request', async () => {
      const response = await postToken(t, 'grant_type=client_credentials&grant_type=client_credentials', {
        'content-type': FORM,
      });
      assertTokenError(response, 400, repeated('grant_type'));
    });

    it('a repeated code is invalid_request, and the code is not used up', async () => {
      const code = await t.authorize(alice, app);
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      form.append('code', 'another-code');
      assertTokenError(await postToken(t, form.toString(), { 'content-type': FORM }), 400, repeated('code'));
      form.delete('code');
      form.set('code', code);
      assert.equal((await postToken(t, form.toString(), { 'content-type': FORM })).statusCode, 200);
    });

    it('a repeated client_secret is invalid_request, not a second guess', async () => {
      const form = new URLSearchParams(clientCredentials());
      form.append('client_secret', 'wrong');
      assertTokenError(await postToken(t, form.toString(), { 'content-type': FORM }), 400, repeated('client_secret'));
    });

    it('a repeated parameter in a JSON body (an array) is invalid_request', async () => {
      const body = JSON.stringify({ ...clientCredentials(), scope: ['user_rates', 'comments'] });
      assertTokenError(await postToken(t, body, { 'content-type': 'application/json' }), 400, repeated('scope'));
    });

    it('a repeated parameter in a multipart body is invalid_request', async () => {
      const { payload, contentType } = await multipart([
        ...Object.entries(clientCredentials()),
        ['client_id', app.clientId],
      ]);
      assertTokenError(await postToken(t, payload, { 'content-type': contentType }), 400, repeated('client_id'));
    });
  });

  describe('state in error bodies (Doorkeeper ErrorResponse#body)', () => {
    it('is echoed last when sent', async () => {
      const response = await t.token({ grant_type: 'password', state: 'a b&c' });
      assertTokenError(response, 400, { ...UNSUPPORTED_GRANT_TYPE, state: 'a b&c' });
    });

    it('is absent when not sent, or sent empty', async () => {
      assertTokenError(await t.token({ grant_type: 'password' }), 400, UNSUPPORTED_GRANT_TYPE);
      assertTokenError(await t.token({ grant_type: 'password', state: '' }), 400, UNSUPPORTED_GRANT_TYPE);
    });

    it('is not echoed when it is itself repeated', async () => {
      const response = await postToken(t, 'grant_type=password&state=a&state=b', { 'content-type': FORM });
      assertTokenError(response, 400, repeated('state'));
    });

    it('is never in a success body', async () => {
      const response = await t.token({ ...clientCredentials(), state: 'xyz' });
      assertTokenSuccess(response, {
        scope: 'user_rates comments topics',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: false,
      });
    });
  });

  describe('body formats (compatibility.md §1 enforce_content_type off, §7, §8)', () => {
    it('urlencoded with a charset, as fetch sends URLSearchParams (node-shikimori)', async () => {
      const response = await postToken(t, new URLSearchParams(clientCredentials()).toString(), {
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      });
      assert.equal(response.statusCode, 200, response.body);
    });

    it("multipart/form-data, as the guide's curl -F sends it", async () => {
      const code = await t.authorize(alice, app);
      const { payload, contentType } = await multipart([
        ['grant_type', 'authorization_code'],
        ['client_id', app.clientId],
        ['client_secret', app.clientSecret],
        ['code', code],
        ['redirect_uri', REDIRECT_URI],
      ]);
      const response = await postToken(t, payload, { 'content-type': contentType, 'user-agent': 'APPLICATION_NAME' });
      assertTokenSuccess(response, {
        scope: 'user_rates comments topics',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: true,
      });
    });

    it("application/json, as Shikimori's guide page (axios) and shikithon send it", async () => {
      const code = await t.authorize(alice, app);
      const body = JSON.stringify({
        grant_type: 'authorization_code',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        code,
        redirect_uri: REDIRECT_URI,
      });
      const response = await postToken(t, body, { 'content-type': 'application/json' });
      const tokens = assertTokenSuccess(response, {
        scope: 'user_rates comments topics',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: true,
      });
      const refreshed = await postToken(
        t,
        JSON.stringify({
          grant_type: 'refresh_token',
          client_id: app.clientId,
          client_secret: app.clientSecret,
          refresh_token: tokens.refresh_token,
        }),
        { 'content-type': 'application/json; charset=utf-8' },
      );
      assert.equal(refreshed.statusCode, 200, refreshed.body);
    });

    it('malformed JSON is 400 invalid_request, never a 500 or a stack trace', async () => {
      const response = await postToken(t, '{"grant_type":', { 'content-type': 'application/json' });
      assertTokenError(
        response,
        400,
        unreadable("Body is not valid JSON but content-type is set to 'application/json'"),
      );
    });

    it('JSON with __proto__ is 400 invalid_request', async () => {
      const response = await postToken(t, '{"__proto__":{"grant_type":"client_credentials"}}', {
        'content-type': 'application/json',
      });
      assertTokenError(
        response,
        400,
        unreadable("Body is not valid JSON but content-type is set to 'application/json'"),
      );
    });

    it('a JSON value that is not a string is invalid_request', async () => {
      const body = JSON.stringify({ ...clientCredentials(), client_secret: { $ne: null } });
      assertTokenError(await postToken(t, body, { 'content-type': 'application/json' }), 400, {
        error: 'invalid_request',
        error_description: 'Parameter must be a string: client_secret.',
      });
    });

    it('a JSON body that is not an object is a missing grant_type', async () => {
      for (const body of ['null', '[]', '"grant_type=client_credentials"', '[{"grant_type":{}}]', '7', 'true']) {
        assertTokenError(await postToken(t, body, { 'content-type': 'application/json' }), 400, missing('grant_type'));
      }
    });

    describe('values that are not strings (issue 9: {"state":{}} answered 500)', () => {
      const notAString = (name: string) => ({
        error: 'invalid_request',
        error_description: `Parameter must be a string: ${name}.`,
      });
      const postJson = (body: unknown) =>
        postToken(t, JSON.stringify(body), { 'content-type': 'application/json' });

      it('an object, a number, a boolean or a nested array is invalid_request naming the parameter', async () => {
        assertTokenError(await postJson({ state: {} }), 400, notAString('state'));
        const secret = notAString('client_secret');
        assertTokenError(await postJson({ ...clientCredentials(), client_secret: 12345 }), 400, secret);
        assertTokenError(await postJson({ ...clientCredentials(), client_id: true }), 400, notAString('client_id'));
        assertTokenError(await postJson({ ...clientCredentials(), scope: [['user_rates']] }), 400, notAString('scope'));
        assertTokenError(await postJson({ ...clientCredentials(), scope: ['rates', 1] }), 400, notAString('scope'));
        assertTokenError(await postJson({ grant_type: 7 }), 400, notAString('grant_type'));
      });

      it('is decided before anything else: before grant_type, repetitions and client authentication', async () => {
        const body = { grant_type: 'password', scope: ['a', 'b'], client_id: 'nobody', unknown: { deep: [1] } };
        assertTokenError(await postJson(body), 400, notAString('unknown'));
      });

      it('names a parameter only when its name fits an error description', async () => {
        assertTokenError(await postJson({ 'a"b': 1 }), 400, {
          error: 'invalid_request',
          error_description: 'Parameter must be a string.',
        });
      });

      it('echoes state when it is one string, and not otherwise', async () => {
        assertTokenError(await postJson({ state: 'xyz', client_secret: 1 }), 400, {
          ...notAString('client_secret'),
          state: 'xyz',
        });
        assertTokenError(await postJson({ state: ['xyz'], grant_type: 'password' }), 400, {
          ...UNSUPPORTED_GRANT_TYPE,
          state: 'xyz',
        });
        assertTokenError(await postJson({ state: 5, grant_type: 'password' }), 400, notAString('state'));
      });

      it('null counts as absent, as Rails reads a JSON null', async () => {
        const response = await postJson({ ...clientCredentials(), scope: null, state: null });
        assert.equal(response.statusCode, 200, response.body);
      });

      it('inherited names are not parameters: constructor, toString, hasOwnProperty', async () => {
        const body = { ...clientCredentials(), constructor: 'x', toString: 'y', hasOwnProperty: 'z', valueOf: 'v' };
        assert.equal((await postJson(body)).statusCode, 200);
        assertTokenError(await postJson({ constructor: {} }), 400, notAString('constructor'));
      });

      it('a multipart field sent as JSON is not a string either', async () => {
        const boundary = 'monban-boundary';
        const part = (name: string, value: string, type = '') =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n${type}\r\n${value}\r\n`;
        const payload =
          part('grant_type', 'client_credentials') +
          part('state', '{"a":1}', 'Content-Type: application/json\r\n') +
          `--${boundary}--\r\n`;
        const response = await postToken(t, payload, { 'content-type': `multipart/form-data; boundary=${boundary}` });
        assertTokenError(response, 400, notAString('state'));
      });

      for (const url of ['/oauth/revoke', '/oauth/introspect']) {
        it(`${url}: the same rule`, async () => {
          const response = await t.server.inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({ token: { $ne: null }, state: {} }),
          });
          assertTokenError(response, 400, notAString('token'));
        });
      }
    });

    it('an unsupported content type is 400 invalid_request', async () => {
      const form = new URLSearchParams(clientCredentials()).toString();
      const unsupported = unreadable('Unsupported Media Type');
      assertTokenError(await postToken(t, form, { 'content-type': 'application/xml' }), 400, unsupported);
      assertTokenError(await postToken(t, form, {}), 400, unsupported);
    });

    it('a text/plain body is left unread, as Rails does: a missing grant_type', async () => {
      const form = new URLSearchParams(clientCredentials()).toString();
      assertTokenError(await postToken(t, form, { 'content-type': 'text/plain' }), 400, missing('grant_type'));
    });

    it('a malformed multipart body is 400 invalid_request, never a 500', async () => {
      const boundary = 'monban-boundary';
      const truncated = `--${boundary}\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials`;
      const cases = [
        [truncated, `multipart/form-data; boundary=${boundary}`, 'Unexpected end of multipart data'],
        ['garbage', 'multipart/form-data', 'Multipart: Boundary not found'],
      ] as const;
      for (const [payload, contentType, reason] of cases) {
        assertTokenError(await postToken(t, payload, { 'content-type': contentType }), 400, unreadable(reason));
      }
    });

    it('a multipart body with a file is 400 invalid_request (fields only)', async () => {
      const form = new FormData();
      for (const [name, value] of Object.entries(clientCredentials())) form.append(name, value);
      form.append('file', new Blob(['data']), 'a.txt');
      const request = new Request('http://monban.test/oauth/token', { method: 'POST', body: form });
      const response = await postToken(t, Buffer.from(await request.arrayBuffer()), {
        'content-type': request.headers.get('content-type') ?? '',
      });
      assertTokenError(response, 400, unreadable('reach files limit'));
    });

    it('a body over the size limit is 400 invalid_request', async () => {
      const form = `${new URLSearchParams(clientCredentials())}&padding=${'x'.repeat(70 * 1024)}`;
      const response = await postToken(t, form, { 'content-type': FORM });
      assertTokenError(response, 400, unreadable('Request body is too large'));
    });
  });

  describe('client authentication (RFC 6749 §2.3.1, Doorkeeper from_basic, from_params)', () => {
    it('HTTP Basic credentials are form-urldecoded: "-" may arrive as %2D (oauth4webapi)', async () => {
      const client = await appWith('shiki-client-id', 'secret-with-dashes');
      const authorization = basic(client.clientId, client.clientSecret);
      assert.match(Buffer.from(authorization.slice(6), 'base64').toString(), /^shiki%2Dclient%2Did:secret%2Dwith/);
      const response = await t.token({ grant_type: 'client_credentials' }, { authorization });
      assert.equal(response.statusCode, 200, response.body);
      // A client that does not encode (most do not) sends the same characters unencoded.
      const lax = await t.token(
        { grant_type: 'client_credentials' },
        { authorization: basic(client.clientId, client.clientSecret, (v) => v) },
      );
      assert.equal(lax.statusCode, 200, lax.body);
    });

    it('HTTP Basic: "+" means a space and %2B means "+"', async () => {
      const client = await appWith('plus-client', 'a+b c');
      const encoded = await t.token(
        { grant_type: 'client_credentials' },
        { authorization: basic(client.clientId, client.clientSecret) },
      );
      assert.equal(encoded.statusCode, 200, encoded.body);
      // Unencoded, the "+" reads as a space: the secret no longer matches.
      const raw = await t.token(
        { grant_type: 'client_credentials' },
        { authorization: basic(client.clientId, client.clientSecret, (v) => v) },
      );
      assertTokenError(raw, 401, INVALID_CLIENT, 'Basic realm="Doorkeeper"');
    });

    it('body credentials are form-decoded like the rest of the body', async () => {
      const client = await appWith('body-plus-client', 'a+b c');
      assert.equal((await t.token(clientCredentials(client))).statusCode, 200);
    });

    it('the Basic scheme name is case-insensitive (RFC 7235 §2.1)', async () => {
      const authorization = basic(app.clientId, app.clientSecret).replace(/^Basic/, 'bAsIc');
      assert.equal((await t.token({ grant_type: 'client_credentials' }, { authorization })).statusCode, 200);
    });

    it('Basic together with a client_secret in the body is invalid_request (RFC 6749 §2.3)', async () => {
      const response = await t.token(clientCredentials(), { authorization: basic(app.clientId, app.clientSecret) });
      assertTokenError(response, 400, {
        error: 'invalid_request',
        error_description: 'Client credentials were given in both the Authorization header and the body.',
      });
    });

    it('Basic with the same client_id in the body is accepted; another client_id is invalid_request', async () => {
      const authorization = basic(app.clientId, app.clientSecret);
      const same = await t.token({ grant_type: 'client_credentials', client_id: app.clientId }, { authorization });
      assert.equal(same.statusCode, 200, same.body);
      const other = await t.token({ grant_type: 'client_credentials', client_id: 'someone-else' }, { authorization });
      assertTokenError(other, 400, {
        error: 'invalid_request',
        error_description: 'The client_id in the body does not match the Authorization header.',
      });
    });

    it('a wrong Basic secret is 401 invalid_client with a Basic challenge (RFC 6749 §5.2)', async () => {
      const response = await t.token(
        { grant_type: 'client_credentials' },
        { authorization: basic(app.clientId, 'wrong') },
      );
      assertTokenError(response, 401, INVALID_CLIENT, 'Basic realm="Doorkeeper"');
    });

    it('Basic credentials without a colon are 401 invalid_client', async () => {
      const authorization = `Basic ${Buffer.from(app.clientId).toString('base64')}`;
      const response = await t.token({ grant_type: 'client_credentials' }, { authorization });
      assertTokenError(response, 401, INVALID_CLIENT, 'Basic realm="Doorkeeper"');
    });

    it('Basic credentials with a broken percent-encoding are 401 invalid_client', async () => {
      const authorization = basic(app.clientId, '%E0%A4%A', (v) => v);
      const response = await t.token({ grant_type: 'client_credentials' }, { authorization });
      assertTokenError(response, 401, INVALID_CLIENT, 'Basic realm="Doorkeeper"');
    });

    it('wrong body credentials are 401 invalid_client with the Doorkeeper Bearer challenge', async () => {
      const response = await t.token({ ...clientCredentials(), client_secret: 'wrong' });
      assertTokenError(response, 401, INVALID_CLIENT);
    });
  });
});
