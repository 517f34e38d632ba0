import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NewUserRate } from '../../src/core/ports/stores.js';
import type { UserRate } from '../../src/core/user-rates/model.js';
import { assertInvalid, assertJson, call, moscow, rateText, world, type World } from './user-rates-support.js';

/** The index, `GET /api/v2/user_rates` (docs/user-rates.md §4): filters, paging, and the GET-shaped 422s. */
describe('user_rates index', () => {
  let w: World;
  const rates: UserRate[] = [];

  function text(rate: UserRate): string {
    return rateText({
      id: rate.id,
      user_id: rate.userId,
      target_id: rate.targetId,
      target_type: rate.targetType,
      score: rate.score,
      status: rate.status,
      episodes: rate.episodes,
      chapters: rate.chapters,
      created_at: moscow(rate.createdAt),
    });
  }
  const list = (...items: UserRate[]) => `[${items.map(text).join(',')}]`;

  before(async () => {
    w = await world();
    const base = {
      score: 0,
      rewatches: 0,
      episodes: 0,
      volumes: 0,
      chapters: 0,
      text: null,
      applicationId: w.app.application.id,
      at: w.t.clock.now(),
    } satisfies Partial<NewUserRate>;
    const rows: Omit<NewUserRate, keyof typeof base>[] = [
      { userId: w.alice.id, targetId: 1, targetType: 'Anime', status: 'completed' },
      { userId: w.alice.id, targetId: 2, targetType: 'Anime', status: 'planned' },
      { userId: w.alice.id, targetId: 1, targetType: 'Manga', status: 'watching' },
      { userId: w.bob.id, targetId: 1, targetType: 'Anime', status: 'dropped' },
      { userId: w.carol.id, targetId: 1, targetType: 'Anime', status: 'completed' },
    ];
    for (const row of rows) rates.push((await w.t.stores.userRates.insert({ ...base, ...row }))!);
  });
  after(() => w.t.close());

  const get = (query: string, headers: Record<string, string> = {}) =>
    call(w.t, 'GET', `/api/v2/user_rates${query}`, { headers });

  it('with user_id: every entry of the user, never paged (limit and page are ignored)', async () => {
    const [a1, a2, m1] = rates;
    assertJson(await get(`?user_id=${w.alice.id}`), 200, list(a1!, a2!, m1!));
    assertJson(await get(`?limit=2&page=1&user_id=${w.alice.id}`), 200, list(a1!, a2!, m1!));
    assertJson(await get(`/?user_id=${w.alice.id}&target_type=Manga`), 200, list(m1!));
  });

  it('without user_id: one entry a page unless limit says otherwise', async () => {
    const [a1, , , b1, c1] = rates;
    assertJson(await get('?target_id=1&target_type=Anime'), 200, list(a1!));
    assertJson(await get('?target_id=1&target_type=Anime&page=2'), 200, list(b1!));
    assertJson(await get('?target_id=1&target_type=Anime&limit=2&page=2'), 200, list(c1!));
    assertJson(await get('?target_id=1&target_type=Anime&limit=0'), 200, list(a1!));
    assertJson(await get('?target_id=1&target_type=Anime&limit=5000'), 200, list(a1!, b1!, c1!));
    assertJson(await get('?target_id=1&target_type=Anime&page=9'), 200, '[]');
    // Shikimori's own client is never paged.
    assertJson(await get('?target_type=Anime', { 'user-agent': 'Neko' }), 200, list(a1!, rates[1]!, b1!, c1!));
  });

  it('filters by status: names or stored integers, comma-separated; unknown ones match nothing', async () => {
    const [a1, a2, , , c1] = rates;
    assertJson(await get(`?user_id=${w.alice.id}&status=completed,planned`), 200, list(a1!, a2!));
    assertJson(await get('?target_type=Anime&status=2&limit=10'), 200, list(a1!, c1!));
    assertJson(await get(`?user_id=${w.alice.id}&status=foo`), 200, '[]');
    assertJson(await get(`?user_id=${w.alice.id}&status=`), 200, list(a1!, a2!, rates[2]!));
    assertJson(await get('?user_id=99999999999'), 200, '[]');
  });

  it('refuses bad parameters with 422 and a bare array', async () => {
    assertInvalid(await get(''), ['Missing parameter user_id'], true);
    assertInvalid(await get('?user_id=&status=completed'), ['Missing parameter user_id'], true);
    assertInvalid(await get('?target_id=1'), ['Missing parameter target_type'], true);
    assertInvalid(await get('?user_id=abc'), [`Invalid parameter 'user_id' value "abc": Must be a number.`], true);
    assertInvalid(await get('?user_id=-1'), [`Invalid parameter 'user_id' value "-1": Must be a number.`], true);
    assertInvalid(await get('?user_id=1,2'), [`Invalid parameter 'user_id' value "1,2": Must be a number.`], true);
    assertInvalid(await get('?target_id=1.5&target_type=Anime'), [
      `Invalid parameter 'target_id' value "1.5": Must be a number.`,
    ], true);
    assertInvalid(await get('?target_type=anime'), [
      `Invalid parameter 'target_type' value "anime": Must be one of: <code>Anime</code>, <code>Manga</code>.`,
    ], true);
    assertInvalid(await get('?user_id=1&page=0'), [
      `Invalid parameter 'page' value "0": Must be a number between 1 and 100000.`,
    ], true);
    assertInvalid(await get('?user_id=1&page=100001'), [
      `Invalid parameter 'page' value "100001": Must be a number between 1 and 100000.`,
    ], true);
    assertInvalid(await get('?user_id=1&limit=x'), [`Invalid parameter 'limit' value "x": Must be a number.`], true);
    assertInvalid(await get('?user_id[]=1'), [`Invalid parameter 'user_id' value ["1"]: Must be a number.`], true);
    // The value is shown as Ruby shows it, quotes and backslashes escaped.
    assertInvalid(await get(`?user_id=${encodeURIComponent('"$x\\')}`), [
      `Invalid parameter 'user_id' value "\\"$x\\\\": Must be a number.`,
    ], true);
  });

  it('writes times with the Moscow offset of their instant, +04:00 from 2011 to 2014', async () => {
    const old = await w.t.stores.userRates.insert({
      userId: w.bob.id,
      targetId: 7,
      targetType: 'Anime',
      status: 'completed',
      score: 10,
      rewatches: 0,
      episodes: 26,
      volumes: 0,
      chapters: 0,
      text: null,
      applicationId: w.app.application.id,
      at: Date.UTC(2012, 4, 27, 11, 41, 57),
    });
    const response = await call(w.t, 'GET', `/api/v2/user_rates/${old!.id}`);
    const body = response.json() as { created_at: string };
    assert.equal(body.created_at, '2012-05-27T15:41:57.000+04:00');
  });
});
