/**
 * PKCE (RFC 7636, issue 11) for a confidential application, where it is optional and honoured whenever sent: the
 * authorization endpoint accepts S256 only and binds the challenge to the code, on the consent path and on the
 * prior-consent path alike; the token endpoint checks code_verifier, and a failed check uses the code up. A client
 * that sends no PKCE sees exactly what it saw before. Public applications: public-clients.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { secretHash } from '../../src/core/secrets.js';
import { findForm, type Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import {
  assertErrorPage,
  assertErrorRedirect,
  authorizePath,
  authorizePathFor,
  codeOf,
  grantCount,
  ISS,
  OOB,
} from './authorize-support.js';
import { assertTokenError, assertTokenSuccess, INVALID_GRANT, repeated, unixSeconds } from './token-support.js';

/** RFC 7636 Appendix B. */
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const REDIRECT_URI = 'https://client.example/cb';

const S256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');

/** The authorization endpoint's PKCE errors, as error_description carries them. */
const METHOD_ERROR = { error: 'invalid_request', error_description: 'The code_challenge_method must be S256.' };
const MALFORMED_ERROR = {
  error: 'invalid_request',
  error_description:
    'The code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, hyphen, period, underscore and tilde.',
};

describe('PKCE for a confidential application (RFC 7636, issue 11)', () => {
  let t: TestMonban;
  let alice: Browser;
  let app: TestApp;
  let oobApp: TestApp;

  before(async () => {
    t = await TestMonban.start();
    const owner = await t.createUser('alice');
    app = await t.createApp(owner.id, { redirectUris: [REDIRECT_URI] });
    oobApp = await t.createApp(owner.id, { name: 'Native', redirectUris: [OOB] });
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  const exchange = (code: string, extra: Record<string, string> = {}) =>
    t.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      ...extra,
    });

  /** A code issued after consent, for a request with these parameters. */
  const codeFor = (params: Record<string, string> = {}) => t.authorize(alice, app, params);
  const withChallenge = (challenge = CHALLENGE) => ({ code_challenge: challenge, code_challenge_method: 'S256' });

  /** The PKCE columns of the code, as stored. */
  function storedChallengeOf(code: string) {
    return t.monban.database.db
      .selectFrom('access_grants')
      .select(['code_challenge', 'code_challenge_method'])
      .where('token_hash', '=', secretHash(code))
      .executeTakeFirstOrThrow();
  }

  /** The PKCE columns of the request a consent page stands for, as kept on the server. */
  function pendingChallengeOf(page: string) {
    const requestId = new Map(findForm(page, 'form#authorize').fields).get('request_id') ?? '';
    return t.monban.database.db
      .selectFrom('authorization_requests')
      .select(['code_challenge', 'code_challenge_method'])
      .where('id_hash', '=', secretHash(requestId))
      .executeTakeFirstOrThrow();
  }

  const success = (response: Awaited<ReturnType<typeof exchange>>) =>
    assertTokenSuccess(response, {
      scope: 'user_rates comments topics',
      expires_in: 86400,
      created_at: unixSeconds(t),
      refresh: true,
    });

  describe('GET /oauth/authorize', () => {
    it('keeps an S256 challenge with the pending request and binds it to the code the consent issues', async () => {
      const page = await alice.get(authorizePathFor(app, { ...withChallenge(), state: 'st' }));
      assert.equal(page.statusCode, 200, page.body.slice(0, 300));
      assert.deepEqual(await pendingChallengeOf(page.body), { code_challenge: CHALLENGE, code_challenge_method: 'S256' });
      const approved = await alice.submit(page.body, 'form#authorize');
      const code = codeOf(approved);
      assert.equal(approved.headers.location, `${REDIRECT_URI}?code=${code}&state=st&${ISS}`);
      assert.deepEqual(await storedChallengeOf(code), { code_challenge: CHALLENGE, code_challenge_method: 'S256' });
    });

    for (const [name, params, expected] of [
      ['plain', { code_challenge: CHALLENGE, code_challenge_method: 'plain' }, METHOD_ERROR],
      ['a challenge without a method (which means plain, RFC 7636 §4.3)', { code_challenge: CHALLENGE }, METHOD_ERROR],
      ['an unknown method', { code_challenge: CHALLENGE, code_challenge_method: 'S512' }, METHOD_ERROR],
      ['a method in another case', { code_challenge: CHALLENGE, code_challenge_method: 's256' }, METHOD_ERROR],
      ['a challenge of 42 characters', withChallenge(CHALLENGE.slice(0, 42)), MALFORMED_ERROR],
      ['a challenge of 129 characters', withChallenge('a'.repeat(129)), MALFORMED_ERROR],
      ['a challenge in standard base64', withChallenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM='), MALFORMED_ERROR],
    ] as const) {
      it(`refuses ${name}: invalid_request, redirected with state, no request kept, no code`, async () => {
        const grants = await grantCount(t);
        const requests = await pendingCount();
        const response = await alice.get(authorizePathFor(app, { ...params, state: 'st' }));
        assertErrorRedirect(response, REDIRECT_URI, { ...expected, state: 'st' });
        assert.equal(await grantCount(t), grants);
        assert.equal(await pendingCount(), requests);
      });
    }

    it('accepts challenges of 43 and 128 characters of the unreserved set', async () => {
      for (const challenge of [CHALLENGE, 'A-._~z09'.repeat(16)]) {
        const response = await alice.get(authorizePathFor(app, { ...withChallenge(challenge), scope: 'topics' }));
        assert.equal(response.statusCode, 200, challenge);
        assert.deepEqual(await pendingChallengeOf(response.body), { code_challenge: challenge, code_challenge_method: 'S256' });
      }
    });

    it('reads a method without a challenge as no PKCE, as Doorkeeper does: the code has no challenge', async () => {
      const code = await codeFor({ code_challenge_method: 'S256' });
      assert.deepEqual(await storedChallengeOf(code), { code_challenge: null, code_challenge_method: null });
      success(await exchange(code));
    });

    it('refuses a repeated code_challenge: invalid_request, redirected', async () => {
      const path = authorizePath([
        ['client_id', app.clientId],
        ['redirect_uri', REDIRECT_URI],
        ['response_type', 'code'],
        ['code_challenge', CHALLENGE],
        ['code_challenge', CHALLENGE],
        ['code_challenge_method', 'S256'],
      ]);
      assertErrorRedirect(await alice.get(path), REDIRECT_URI, repeated('code_challenge'));
    });

    it('checks PKCE after response_type and scope (Doorkeeper order)', async () => {
      const plain = { code_challenge: CHALLENGE, code_challenge_method: 'plain' };
      assertErrorRedirect(await alice.get(authorizePathFor(app, { ...plain, response_type: 'token' })), REDIRECT_URI, {
        error: 'unsupported_response_type',
        error_description: 'The authorization server does not support this response type.',
      });
      assertErrorRedirect(await alice.get(authorizePathFor(app, { ...plain, scope: 'nonsense' })), REDIRECT_URI, {
        error: 'invalid_scope',
        error_description: 'The requested scope is invalid, unknown, or malformed.',
      });
    });

    it('shows an out-of-band client its PKCE error on the page: there is nowhere to redirect it', async () => {
      const response = await alice.get(authorizePathFor(oobApp, { code_challenge: CHALLENGE, code_challenge_method: 'plain' }));
      assertErrorPage(response, 'invalid_request', METHOD_ERROR.error_description);
    });

    it('binds the challenge on the prior-consent path too, which issues a code without the consent page', async () => {
      success(await exchange(await codeFor()));
      const again = await alice.get(authorizePathFor(app, { ...withChallenge(), state: 'again' }));
      const code = codeOf(again);
      assert.equal(again.headers.location, `${REDIRECT_URI}?code=${code}&state=again&${ISS}`);
      assert.deepEqual(await storedChallengeOf(code), { code_challenge: CHALLENGE, code_challenge_method: 'S256' });
      assertTokenError(await exchange(code), 400, INVALID_GRANT);

      const next = codeOf(await alice.get(authorizePathFor(app, withChallenge())));
      success(await exchange(next, { code_verifier: VERIFIER }));
    });
  });

  describe('POST /oauth/token, code_verifier (RFC 7636 §4.5, §4.6)', () => {
    it('exchanges a code with a challenge for the right verifier: the usual body', async () => {
      const code = await codeFor(withChallenge());
      success(await exchange(code, { code_verifier: VERIFIER }));
    });

    it('refuses a code with a challenge and no verifier: invalid_grant', async () => {
      const code = await codeFor(withChallenge());
      assertTokenError(await exchange(code), 400, INVALID_GRANT);
    });

    it('refuses a wrong verifier: invalid_grant', async () => {
      const code = await codeFor(withChallenge());
      const wrong = `${VERIFIER.slice(0, -1)}A`;
      assertTokenError(await exchange(code, { code_verifier: wrong }), 400, INVALID_GRANT);
    });

    it('refuses a malformed verifier even when its hash is the challenge (RFC 7636 §4.1): invalid_grant', async () => {
      for (const verifier of ['a'.repeat(42), 'b'.repeat(129), `${'c'.repeat(42)}+`, `${'d'.repeat(42)} `]) {
        const code = await codeFor(withChallenge(S256(verifier)));
        assertTokenError(await exchange(code, { code_verifier: verifier }), 400, INVALID_GRANT);
      }
      // The same shapes, well formed, pass: only the format failed above.
      for (const verifier of ['a'.repeat(43), 'b'.repeat(128)]) {
        const code = await codeFor(withChallenge(S256(verifier)));
        assert.equal((await exchange(code, { code_verifier: verifier })).statusCode, 200, verifier);
      }
    });

    it('refuses a verifier sent for a code issued without a challenge (a downgrade, RFC 9700 §4.8.2): invalid_grant', async () => {
      const code = await codeFor();
      assertTokenError(await exchange(code, { code_verifier: VERIFIER }), 400, INVALID_GRANT);
    });

    it('uses the code up when the verifier fails: the right one then gets invalid_grant, as a replay', async () => {
      const replayed: number[] = [];
      const stop = t.monban.ctx.events.on('code.replayed', (event) => replayed.push(event.grantId));
      try {
        for (const failing of [{}, { code_verifier: 'x'.repeat(43) }] as Array<Record<string, string>>) {
          const code = await codeFor(withChallenge());
          assertTokenError(await exchange(code, failing), 400, INVALID_GRANT);
          assertTokenError(await exchange(code, { code_verifier: VERIFIER }), 400, INVALID_GRANT);
        }
        const downgraded = await codeFor();
        assertTokenError(await exchange(downgraded, { code_verifier: VERIFIER }), 400, INVALID_GRANT);
        assertTokenError(await exchange(downgraded), 400, INVALID_GRANT);
      } finally {
        stop();
      }
      assert.equal(replayed.length, 3);
    });
  });

  describe('a client that sends no PKCE sees what it saw before (compatibility.md §9.1)', () => {
    it('consent, code, tokens: the same redirect and the same body', async () => {
      const page = await alice.get(authorizePathFor(app, { scope: 'user_rates', state: 'xyz' }));
      assert.equal(page.statusCode, 200);
      const approved = await alice.submit(page.body, 'form#authorize');
      const code = codeOf(approved);
      assert.equal(approved.headers.location, `${REDIRECT_URI}?code=${code}&state=xyz&${ISS}`);
      assertTokenSuccess(await exchange(code), {
        scope: 'user_rates',
        expires_in: 86400,
        created_at: unixSeconds(t),
        refresh: true,
      });
    });
  });

  async function pendingCount(): Promise<number> {
    const row = await t.monban.database.db
      .selectFrom('authorization_requests')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
});
