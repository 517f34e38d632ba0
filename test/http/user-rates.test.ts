import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  assertJson,
  assertNotFound,
  call,
  moscow,
  rateObject,
  rateText,
  START,
  VARY,
  world,
  type World,
} from './user-rates-support.js';

/** `/api/v2/user_rates` as Shikimori answers it (docs/user-rates.md): each endpoint's success, byte for byte. */
describe('user_rates API', () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  beforeEach(() => {
    w.events.length = 0;
  });
  after(() => w.t.close());

  async function create(token: string, userRate: Record<string, unknown>) {
    const response = await call(w.t, 'POST', '/api/v2/user_rates', { token, json: { user_rate: userRate } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { id: number };
  }

  it('creates with a JSON body: 201, the 14 keys in order, no Location, Moscow time', async () => {
    // The shape of Shikimori's recorded create (an anime, completed, with a note).
    const response = await call(w.t, 'POST', '/api/v2/user_rates', {
      token: w.aliceToken,
      json: {
        user_rate: {
          user_id: w.alice.id,
          target_id: 1,
          target_type: 'Anime',
          status: 'completed',
          score: 1,
          episodes: 13,
          rewatches: 0,
          text: 'Some text',
        },
      },
    });
    const id = (response.json() as { id: number }).id;
    assertJson(
      response,
      201,
      rateText({
        id,
        user_id: w.alice.id,
        target_id: 1,
        target_type: 'Anime',
        score: 1,
        status: 'completed',
        episodes: 13,
        text: 'Some text',
        created_at: START,
      }),
    );
    assert.deepEqual(Object.keys(response.json() as object), [
      'id',
      'user_id',
      'target_id',
      'target_type',
      'score',
      'status',
      'rewatches',
      'episodes',
      'volumes',
      'chapters',
      'text',
      'text_html',
      'created_at',
      'updated_at',
    ]);
    assert.deepEqual(w.events, [
      {
        type: 'user_rate.changed',
        userId: w.alice.id,
        applicationId: w.app.application.id,
        userRateId: id,
        action: 'created',
      },
    ]);
    const stored = await w.t.stores.userRates.findById(id);
    assert.equal(stored?.lastApplicationId, w.app.application.id);
  });

  it('creates with form fields and string numbers, as Shikimori\'s own test suite records it', async () => {
    const response = await call(w.t, 'POST', '/api/v2/user_rates', {
      token: w.aliceToken,
      form: {
        'user_rate[chapters]': '4',
        'user_rate[episodes]': '2',
        'user_rate[rewatches]': '5',
        'user_rate[score]': '10',
        'user_rate[status]': 'completed',
        'user_rate[target_id]': '15',
        'user_rate[target_type]': 'Anime',
        'user_rate[text]': 'test',
        'user_rate[user_id]': String(w.alice.id),
        'user_rate[volumes]': '3',
      },
    });
    const id = (response.json() as { id: number }).id;
    // An anime keeps volumes and chapters as sent: the serializer returns the raw columns.
    assertJson(
      response,
      201,
      rateText({
        id,
        user_id: w.alice.id,
        target_id: 15,
        target_type: 'Anime',
        score: 10,
        status: 'completed',
        rewatches: 5,
        episodes: 2,
        volumes: 3,
        chapters: 4,
        text: 'test',
        created_at: START,
      }),
    );
  });

  it('wraps a JSON body without user_rate, keeping only the model attributes', async () => {
    const response = await call(w.t, 'POST', '/api/v2/user_rates', {
      token: w.aliceToken,
      json: { user_id: String(w.alice.id), target_id: '16', target_type: 'Manga', chapters: 3, unknown: 'x', id: 999 },
    });
    const id = (response.json() as { id: number }).id;
    assert.notEqual(id, 999);
    assertJson(
      response,
      201,
      rateText({ id, user_id: w.alice.id, target_id: 16, target_type: 'Manga', chapters: 3, created_at: START }),
    );
  });

  it('is an upsert: the same target again answers 201 with the same id, updated', async () => {
    const first = await create(w.aliceToken, { user_id: w.alice.id, target_id: 20, target_type: 'Anime' });
    w.t.clock.advance(60);
    const response = await call(w.t, 'POST', '/api/v2/user_rates', {
      token: w.aliceToken,
      json: { user_rate: { user_id: w.alice.id, target_id: 20, target_type: 'Anime', status: 'on_hold', score: 7 } },
    });
    assertJson(
      response,
      201,
      rateText({
        id: first.id,
        user_id: w.alice.id,
        target_id: 20,
        target_type: 'Anime',
        score: 7,
        status: 'on_hold',
        created_at: (response.json() as { created_at: string }).created_at,
        updated_at: (response.json() as { updated_at: string }).updated_at,
      }),
    );
    const body = response.json() as { created_at: string; updated_at: string };
    assert.notEqual(body.created_at, body.updated_at);
    assert.deepEqual(
      w.events.map((e) => e.type === 'user_rate.changed' && e.action),
      ['created', 'updated'],
    );
    // The same values once more: nothing changes, updated_at stays, no event.
    w.t.clock.advance(60);
    const again = await call(w.t, 'POST', '/api/v2/user_rates/', {
      token: w.aliceToken,
      json: { user_rate: { user_id: w.alice.id, target_id: 20, target_type: 'Anime', status: 'on_hold', score: 7 } },
    });
    assertJson(again, 201, response.body);
    assert.equal(w.events.length, 2);
  });

  it('shows an entry to anyone, guest or another user', async () => {
    const { id } = await create(w.aliceToken, { user_id: w.alice.id, target_id: 30, target_type: 'Anime', text: 'x' });
    const createdAt = moscow((await w.t.stores.userRates.findById(id))!.createdAt);
    const fields = { id, user_id: w.alice.id, target_id: 30, target_type: 'Anime', text: 'x', created_at: createdAt };
    const expected = rateText(fields);
    for (const token of [undefined, w.bobToken, w.aliceCommentsToken]) {
      assertJson(await call(w.t, 'GET', `/api/v2/user_rates/${id}`, token ? { token } : {}), 200, expected);
    }
    assertJson(await call(w.t, 'GET', `/api/v2/user_rates/${id}/`), 200, expected);
  });

  it('updates with PATCH and PUT: 200 with the whole entry; updated_at moves', async () => {
    const { id } = await create(w.aliceToken, {
      user_id: w.alice.id,
      target_id: 40,
      target_type: 'Anime',
      status: 'completed',
      score: 1,
      episodes: 1,
      text: 'Some text',
    });
    const createdAt = (await w.t.stores.userRates.findById(id))!.createdAt;
    w.t.clock.advance(25.118);
    const put = await call(w.t, 'PUT', `/api/v2/user_rates/${id}`, {
      token: w.aliceToken,
      json: { user_rate: { score: 3, text: 'Some another text' } },
    });
    assertJson(
      put,
      200,
      rateText({
        id,
        user_id: w.alice.id,
        target_id: 40,
        target_type: 'Anime',
        score: 3,
        status: 'completed',
        episodes: 1,
        text: 'Some another text',
        created_at: moscow(createdAt),
        updated_at: moscow(w.t.clock.now()),
      }),
    );
    const patch = await call(w.t, 'PATCH', `/api/v2/user_rates/${id}/`, {
      token: w.aliceToken,
      form: { 'user_rate[status]': 'watching', 'user_rate[user_id]': String(w.bob.id), 'user_rate[target_id]': '1' },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    // The keys cannot be changed by an update.
    assert.deepEqual(
      { ...(patch.json() as object) },
      {
        ...rateObject({
          id,
          user_id: w.alice.id,
          target_id: 40,
          target_type: 'Anime',
          score: 3,
          status: 'watching',
          episodes: 1,
          text: 'Some another text',
          created_at: moscow(createdAt),
          updated_at: moscow(w.t.clock.now()),
        }),
      },
    );
    assert.deepEqual(
      w.events.map((e) => e.type === 'user_rate.changed' && e.action),
      ['created', 'updated', 'updated'],
    );
  });

  it('increments: 201, +1 episode for an anime, chapters (or volumes when named) for a manga', async () => {
    const anime = await create(w.aliceToken, { user_id: w.alice.id, target_id: 50, target_type: 'Anime', episodes: 1 });
    const incrementPath = `/api/v2/user_rates/${anime.id}/increment`;
    const response = await call(w.t, 'POST', incrementPath, { token: w.aliceToken, json: {} });
    assert.equal(response.statusCode, 201, response.body);
    assert.equal(response.headers['cache-control'], 'max-age=0, private, must-revalidate');
    assert.equal(response.headers.location, undefined);
    assert.equal((response.json() as { episodes: number }).episodes, 2);
    // An empty body, and a JSON number naming the base.
    const empty = await call(w.t, 'POST', `/api/v2/user_rates/${anime.id}/increment/`, { token: w.aliceToken });
    assert.equal((empty.json() as { episodes: number }).episodes, 3);
    const based = await call(w.t, 'POST', `/api/v2/user_rates/${anime.id}/increment`, {
      token: w.aliceToken,
      json: { episodes: 10 },
    });
    assert.equal((based.json() as { episodes: number }).episodes, 11);

    const manga = await create(w.aliceToken, { user_id: w.alice.id, target_id: 50, target_type: 'Manga', chapters: 4 });
    const chapters = await call(w.t, 'POST', `/api/v2/user_rates/${manga.id}/increment`, { token: w.aliceToken });
    assert.deepEqual(
      [(chapters.json() as { chapters: number }).chapters, (chapters.json() as { volumes: number }).volumes],
      [5, 0],
    );
    const volumes = await call(w.t, 'POST', `/api/v2/user_rates/${manga.id}/increment`, {
      token: w.aliceToken,
      json: { volumes: 1 },
    });
    assert.deepEqual(
      [(volumes.json() as { chapters: number }).chapters, (volumes.json() as { volumes: number }).volumes],
      [5, 2],
    );
    assert.ok(w.events.some((e) => e.type === 'user_rate.changed' && e.action === 'incremented'));
  });

  it('deletes: 204, empty, Cache-Control no-cache; then 404 for it', async () => {
    const { id } = await create(w.aliceToken, { user_id: w.alice.id, target_id: 60, target_type: 'Anime' });
    const response = await call(w.t, 'DELETE', `/api/v2/user_rates/${id}`, {
      token: w.aliceToken,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assert.equal(response.headers['content-type'], undefined);
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.equal(response.headers.vary, VARY);
    assert.deepEqual(w.events.at(-1), {
      type: 'user_rate.changed',
      userId: w.alice.id,
      applicationId: w.app.application.id,
      userRateId: id,
      action: 'destroyed',
    });
    assertNotFound(await call(w.t, 'DELETE', `/api/v2/user_rates/${id}`, { token: w.aliceToken }));
    assertNotFound(await call(w.t, 'GET', `/api/v2/user_rates/${id}`));
  });

  it('answers the status list at /api/constants/user_rate', async () => {
    const response = await call(w.t, 'GET', '/api/constants/user_rate');
    assertJson(response, 200, '{"status":["planned","watching","rewatching","completed","on_hold","dropped"]}');
  });
});
