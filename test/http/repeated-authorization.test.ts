import assert from 'node:assert/strict';
import type { OutgoingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { assertTokenError, basic } from './token-support.js';

const REFUSAL = {
  error: 'invalid_request',
  error_description: 'The request carried more than one Authorization header.',
};
const FORM = 'application/x-www-form-urlencoded';

/** Headers with Authorization sent once per value (light-my-request sends an array so; Node's types want one). */
const withAuthorization = (values: string[], headers: OutgoingHttpHeaders = {}): OutgoingHttpHeaders => ({
  ...headers,
  Authorization: values,
});

/** One raw HTTP/1.1 exchange over a socket, so header names keep the case and order the test wrote. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(head));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** Issue 9: Node keeps only the first Authorization header, so a second one was silently ignored (the first won). */
describe('a request with more than one Authorization header is refused with 400', () => {
  let t: TestMonban;
  let app: TestApp;
  let accessToken: string;

  before(async () => {
    t = await TestMonban.start();
    const alice = await t.createUser('alice');
    app = await t.createApp(alice.id);
    accessToken = (await t.tokensFor(await t.browserFor('alice'), app)).access_token;
  });
  after(() => t.close());

  const clientCredentials = () =>
    new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });

  it('one Authorization header still authenticates', async () => {
    const authorization = basic(app.clientId, app.clientSecret);
    const response = await t.token({ grant_type: 'client_credentials' }, { authorization });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal((await t.whoami(accessToken)).statusCode, 200);
  });

  for (const url of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
    it(`${url}: the OAuth invalid_request body and headers, whichever header is valid`, async () => {
      const good = basic(app.clientId, app.clientSecret);
      for (const authorization of [[good, 'Basic eDp5'], ['Basic eDp5', good], [good, good]]) {
        const response = await t.server.inject({
          method: 'POST',
          url,
          headers: withAuthorization(authorization, { 'content-type': FORM }),
          payload: `${clientCredentials()}&token=${accessToken}`,
        });
        assertTokenError(response, 400, REFUSAL);
      }
    });
  }

  it('/api/*: the same JSON refusal, and the token is not used', async () => {
    for (const url of ['/api/users/whoami', '/api/unknown']) {
      const response = await t.server.inject({
        method: 'GET',
        url,
        headers: withAuthorization([`Bearer ${accessToken}`, `Bearer ${accessToken}`]),
      });
      assertTokenError(response, 400, REFUSAL);
    }
  });

  it('pages: the 400 message page', async () => {
    for (const url of ['/oauth', '/oauth/authorize?client_id=x', '/users/sign_in', '/no-such-page']) {
      const response = await t.server.inject({
        method: 'GET',
        url,
        headers: withAuthorization(['Basic eDp5', 'Bearer z'], { 'accept-language': 'en' }),
      });
      assert.equal(response.statusCode, 400, url);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(response.headers['cache-control'], 'no-store');
      const message = `<h1>An error has occurred</h1><p role="alert">${REFUSAL.error_description}</p>`;
      assert.ok(response.body.includes(message), response.body);
    }
  });

  it('header names are compared in any case, as a real socket delivers them', async () => {
    await t.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.server.server.address() as AddressInfo;
    const body = clientCredentials().toString();
    const head = (headers: string) =>
      `POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: ${FORM}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;
    const twice = await rawRequest(port, head('Authorization: Bearer a\r\nAUTHORIZATION: Bearer b\r\n'));
    assert.match(twice, /^HTTP\/1\.1 400 /);
    assert.ok(twice.endsWith(`\r\n\r\n${JSON.stringify(REFUSAL)}`), twice);
    const once = await rawRequest(port, head('aUtHoRiZaTiOn: Bearer a\r\nX-Authorization: Bearer b\r\n'));
    assert.match(once, /^HTTP\/1\.1 200 /);
  });
});
