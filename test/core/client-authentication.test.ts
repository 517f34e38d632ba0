/**
 * The one client-authentication policy (core/client-authentication.ts): which methods an application may use, read
 * once per request, checked in one place for the token, revocation and introspection endpoints.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptedMethods, ClientAuthentication } from '../../src/core/client-authentication.js';
import { InvalidClient, InvalidRequest } from '../../src/core/errors.js';
import { Events, type MonbanEvent } from '../../src/core/events.js';
import type { Application } from '../../src/core/model.js';
import { Params } from '../../src/core/params.js';
import type { Stores } from '../../src/core/ports/stores.js';
import { secretHash } from '../../src/core/secrets.js';

function application(uid: string, confidential: boolean): Application {
  return {
    id: confidential ? 1 : 2,
    uid,
    secretHash: secretHash('s3cret'),
    name: uid,
    redirectUris: [],
    scopes: [],
    allowedScopes: [],
    descriptionEn: '',
    descriptionRu: '',
    ownerId: 1,
    confidential,
    quota: null,
    version: 0,
    createdAt: 0,
    updatedAt: 0,
  };
}

const APPS = [application('confidential-app', true), application('public-app', false)];
const stores = {
  applications: { findByUid: async (uid: string) => APPS.find((a) => a.uid === uid) },
} as unknown as Stores;

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function outcome(authorization: string | undefined, body: Record<string, string>): Promise<string> {
  const failures: MonbanEvent[] = [];
  const events = new Events();
  events.on('client.authentication_failed', (e) => failures.push(e));
  try {
    const client = ClientAuthentication.read(authorization, new Params(body), events);
    const app = await client.authenticate(stores);
    assert.equal(failures.length, 0);
    return `${app.uid} by ${client.presented?.method}`;
  } catch (err) {
    if (err instanceof InvalidClient) {
      assert.equal(failures.length, 1);
      return `invalid_client (${err.scheme})`;
    }
    if (err instanceof InvalidRequest) return 'invalid_request';
    throw err;
  }
}

describe('client authentication policy', () => {
  it('a confidential application proves itself with its secret, by Basic or in the body; a public one by client_id alone', () => {
    assert.deepEqual(acceptedMethods(APPS[0] as Application), ['client_secret_basic', 'client_secret_post']);
    assert.deepEqual(acceptedMethods(APPS[1] as Application), ['none']);
  });

  it('a confidential application', async () => {
    assert.equal(await outcome(basic('confidential-app', 's3cret'), {}), 'confidential-app by client_secret_basic');
    assert.equal(
      await outcome(undefined, { client_id: 'confidential-app', client_secret: 's3cret' }),
      'confidential-app by client_secret_post',
    );
    assert.equal(await outcome(basic('confidential-app', 'wrong'), {}), 'invalid_client (Basic)');
    assert.equal(await outcome(undefined, { client_id: 'confidential-app', client_secret: 'wrong' }), 'invalid_client (Bearer)');
    // No secret: `none` is not among its methods.
    assert.equal(await outcome(undefined, { client_id: 'confidential-app' }), 'invalid_client (Bearer)');
  });

  it('a public application: client_id alone; a secret is refused', async () => {
    assert.equal(await outcome(undefined, { client_id: 'public-app' }), 'public-app by none');
    assert.equal(await outcome(undefined, { client_id: 'public-app', client_secret: 's3cret' }), 'invalid_client (Bearer)');
    assert.equal(await outcome(basic('public-app', 's3cret'), {}), 'invalid_client (Basic)');
  });

  it('nothing at all, or an unknown client, is invalid_client', async () => {
    assert.equal(await outcome(undefined, {}), 'invalid_client (Bearer)');
    assert.equal(await outcome(undefined, { client_id: 'nobody', client_secret: 'x' }), 'invalid_client (Bearer)');
  });

  it('two methods at once are invalid_request (RFC 6749 §2.3)', async () => {
    assert.equal(await outcome(basic('confidential-app', 's3cret'), { client_secret: 's3cret' }), 'invalid_request');
    assert.equal(await outcome(basic('confidential-app', 's3cret'), { client_id: 'public-app' }), 'invalid_request');
  });
});
