import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StorageUnavailable } from '../../src/core/ports/storage-unavailable.js';
import {
  assertForbidden,
  assertInvalid,
  assertNoToken,
  assertNotFound,
  assertScopeRefused,
  call,
  INVALID_TOKEN_BODY,
  world,
  type World,
} from './user-rates-support.js';

/**
 * The refusals of `/api/v2/user_rates`, in Shikimori's order (docs/user-rates.md §5): a bad token (401), the entry
 * (404), its owner (403, also without a token: then with a challenge), the token's scope (empty 403), the parameters (422).
 */
describe('user_rates refusals', () => {
  let w: World;
  let aliceRate: number;
  const path = (id: number | string, suffix = '') => `/api/v2/user_rates/${id}${suffix}`;

  before(async () => {
    w = await world();
    const response = await call(w.t, 'POST', '/api/v2/user_rates', {
      token: w.aliceToken,
      json: { user_rate: { user_id: w.alice.id, target_id: 1, target_type: 'Anime' } },
    });
    aliceRate = (response.json() as { id: number }).id;
  });
  after(() => w.t.close());

  const writes = (id: number | string) =>
    [
      ['PATCH', path(id)],
      ['PUT', path(id)],
      ['POST', path(id, '/increment')],
      ['DELETE', path(id)],
    ] as const;

  it('a token the API does not accept: 401 on reads and writes alike', async () => {
    const reads = [['GET', path(aliceRate)], ['GET', '/api/v2/user_rates?user_id=1']] as const;
    for (const [method, url] of [...reads, ...writes(aliceRate)]) {
      const response = await call(w.t, method, url, { token: 'not-a-token', json: { user_rate: { score: 1 } } });
      assert.equal(response.statusCode, 401, `${method} ${url}`);
      assert.equal(response.body, INVALID_TOKEN_BODY);
    }
  });

  it("a write without a token: Shikimori's 403, with a challenge that names the scope and no error (RFC 6750 §3.1)", async () => {
    for (const [method, url] of writes(aliceRate)) {
      assertNoToken(await call(w.t, method, url, { json: { user_rate: { score: 1 } } }));
    }
    assertNoToken(
      await call(w.t, 'POST', '/api/v2/user_rates', {
        json: { user_rate: { user_id: w.alice.id, target_id: 2, target_type: 'Anime' } },
      }),
    );
    assert.equal((await w.t.stores.userRates.findById(aliceRate))?.score, 0);
  });

  it('checks come in Shikimori\'s order: the entry, then the owner; create builds the entry first', async () => {
    for (const [method, url] of writes(999999)) assertNotFound(await call(w.t, method, url));
    assertInvalid(await call(w.t, 'POST', '/api/v2/user_rates'), ['param is missing or the value is empty: user_rate']);
    assertInvalid(
      await call(w.t, 'POST', '/api/v2/user_rates', {
        json: { user_rate: { user_id: w.alice.id, target_id: 2, target_type: 'Anime', status: 'foo' } },
      }),
      ["'foo' is not a valid status"],
    );
  });

  it("another user's entry: CanCan's 403, also with a token that lacks the scope", async () => {
    for (const [method, url] of writes(aliceRate)) {
      assertForbidden(await call(w.t, method, url, { token: w.bobToken, json: { user_rate: { score: 5 } } }));
    }
    assertForbidden(await call(w.t, 'DELETE', path(aliceRate), { token: w.clientToken }));
    const create = (token: string, userId: unknown) =>
      call(w.t, 'POST', '/api/v2/user_rates', {
        token,
        json: { user_rate: { user_id: userId, target_id: 2, target_type: 'Anime' } },
      });
    assertForbidden(await create(w.bobToken, w.alice.id));
    assertForbidden(await create(w.aliceToken, null));
    assertForbidden(await create(w.aliceToken, 'abc'));
    assertForbidden(await create(w.clientToken, w.alice.id));
    assert.equal((await w.t.stores.userRates.findById(aliceRate))?.score, 0);
  });

  it('a token without user_rates: an empty 403 with insufficient_scope, after the owner check', async () => {
    for (const [method, url] of writes(aliceRate)) {
      const json = { user_rate: { score: 5 } };
      assertScopeRefused(await call(w.t, method, url, { token: w.aliceCommentsToken, json }));
    }
    assertScopeRefused(
      await call(w.t, 'POST', '/api/v2/user_rates', {
        token: w.aliceCommentsToken,
        json: { user_rate: { user_id: w.alice.id, target_id: 3, target_type: 'Anime' } },
      }),
    );
    // Reads need no scope.
    assert.equal((await call(w.t, 'GET', path(aliceRate), { token: w.aliceCommentsToken })).statusCode, 200);
  });

  it('404: Russian for guests, the token user\'s language, switched by ?locale= for a user only', async () => {
    assertNotFound(await call(w.t, 'GET', path(999999)));
    assertNotFound(await call(w.t, 'GET', path(999999, '?locale=en')));
    assertNotFound(await call(w.t, 'GET', path('abc')));
    assertNotFound(await call(w.t, 'GET', path('99999999999')));
    assertNotFound(await call(w.t, 'GET', path(999999), { token: w.aliceToken }));
    assertNotFound(await call(w.t, 'GET', path(999999, '?locale=en'), { token: w.aliceToken }), 'Page not found');
    assertNotFound(await call(w.t, 'GET', path(999999), { token: w.carolToken }), 'Page not found');
    assertNotFound(await call(w.t, 'GET', path(999999, '?locale=ru'), { token: w.carolToken }));
  });

  it('create: apipie\'s checks in order, then the model\'s', async () => {
    const create = (userRate: Record<string, unknown>, token = w.aliceToken) =>
      call(w.t, 'POST', '/api/v2/user_rates', { token, json: { user_rate: { user_id: w.alice.id, ...userRate } } });
    assertInvalid(await create({ target_type: 'Anime' }), ['Missing parameter target_id']);
    assertInvalid(await create({ target_id: 5 }), ['Missing parameter target_type']);
    assertInvalid(await create({ target_id: 'abc', target_type: 'Anime' }), [
      `Invalid parameter 'target_id' value "abc": Must be a number.`,
    ]);
    assertInvalid(await create({ target_id: -1, target_type: 'Anime' }), [
      `Invalid parameter 'target_id' value -1: Must be a number.`,
    ]);
    assertInvalid(await create({ target_id: 5, target_type: 'anime' }), [
      `Invalid parameter 'target_type' value "anime": Must be one of: <code>Anime</code>, <code>Manga</code>.`,
    ]);
    assertInvalid(await create({ target_id: 5, target_type: 'Anime', status: '' }), [
      `Invalid parameter 'status' value "": `,
    ]);
    assertInvalid(await create({ target_id: 5, target_type: 'Anime', status: null }), [
      `Invalid parameter 'status' value nil: `,
    ]);
    for (const status of [5, '10', 'Watching', 'foo']) {
      const response = await create({ target_id: 5, target_type: 'Anime', status });
      assertInvalid(response, [`'${status}' is not a valid status`]);
    }
    assertInvalid(await create({ target_id: 0, target_type: 'Anime' }), ['Target не может отсутствовать']);
    const carol = await call(w.t, 'POST', '/api/v2/user_rates', {
      token: w.carolToken,
      json: { user_rate: { user_id: w.carol.id, target_id: 0, target_type: 'Manga' } },
    });
    assertInvalid(carol, ['Target must exist']);
    assertInvalid(await create({ target_id: 5, target_type: 'Anime', rewatches: 3e9 }), [
      '3000000000 is out of range for ActiveModel::Type::Integer with limit 4 bytes',
    ]);
    assertInvalid(await call(w.t, 'POST', '/api/v2/user_rates', { token: w.aliceToken, json: { user_rate: {} } }), [
      'param is missing or the value is empty: user_rate',
    ]);
    assertInvalid(await call(w.t, 'POST', '/api/v2/user_rates', { token: w.aliceToken, form: { user_rate: 'x' } }), [
      `Invalid parameter 'user_rate' value "x": Must be a Hash`,
    ]);
    assert.deepEqual(w.events.filter((e) => e.type === 'user_rate.changed').length, 1);
  });

  it('update: the user_rate object is needed, its status must be one', async () => {
    const update = (options: Parameters<typeof call>[3]) =>
      call(w.t, 'PATCH', path(aliceRate), { token: w.aliceToken, ...options });
    assertInvalid(await update({}), ['param is missing or the value is empty: user_rate']);
    assertInvalid(await update({ form: { score: '1' } }), ['param is missing or the value is empty: user_rate']);
    assertInvalid(await update({ json: {} }), [`Invalid parameter 'user_rate' value nil: Must be a Hash`]);
    const notHash = (value: string) => [`Invalid parameter 'user_rate' value ${value}: Must be a Hash`];
    assertInvalid(await update({ json: { user_rate: {} } }), notHash('nil'));
    assertInvalid(await update({ json: { user_rate: 'x' } }), notHash('"x"'));
    assertInvalid(await update({ json: { user_rate: { status: 'foo' } } }), ["'foo' is not a valid status"]);
    assertInvalid(await update({ json: { user_rate: { status: null } } }), [`Invalid parameter 'status' value nil: `]);
    // A body of a type Rails does not parse is no parameters at all.
    assertInvalid(await update({ headers: { 'content-type': 'text/plain' }, json: 'user_rate' }), [
      'param is missing or the value is empty: user_rate',
    ]);
  });

  it('unreadable bodies and Ruby type errors are 422s too, never a 500', async () => {
    const broken = await call(w.t, 'PATCH', path(aliceRate), { token: w.aliceToken, json: '{"user_rate":' });
    assert.equal(broken.statusCode, 422, broken.body);
    assert.match(broken.body, /^\{"errors":\["[^"]+"\]\}$/);
    assertInvalid(await call(w.t, 'POST', path(aliceRate, '/increment?episodes=5'), { token: w.aliceToken }), [
      'no implicit conversion of Integer into String',
    ]);
    assertInvalid(
      await call(w.t, 'POST', path(aliceRate, '/increment'), { token: w.aliceToken, json: { episodes: '5' } }),
      ['no implicit conversion of Integer into String'],
    );
  });

  it('an unreachable database is the API\'s 503; any other failure a logged 422', async () => {
    const stores = w.t.stores.userRates;
    const findById = stores.findById;
    const reported: unknown[] = [];
    const reportError = w.t.monban.ctx.reportError;
    w.t.monban.ctx.reportError = (err) => reported.push(err);
    try {
      stores.findById = async () => {
        throw new StorageUnavailable(new Error('down'));
      };
      const down = await call(w.t, 'GET', path(aliceRate));
      assert.equal(down.statusCode, 503, down.body);
      assert.equal(JSON.parse(down.body).error, 'temporarily_unavailable');
      stores.findById = async () => {
        throw new Error('boom');
      };
      assertInvalid(await call(w.t, 'DELETE', path(aliceRate), { token: w.aliceToken }), [
        'The request could not be processed.',
      ]);
      assert.equal(reported.length, 2);
    } finally {
      stores.findById = findById;
      w.t.monban.ctx.reportError = reportError;
    }
  });
});
