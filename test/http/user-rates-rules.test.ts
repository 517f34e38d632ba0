import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, world, type World } from './user-rates-support.js';

interface Rate {
  id: number;
  score: number;
  status: string;
  rewatches: number;
  episodes: number;
  volumes: number;
  chapters: number;
  text: string | null;
  text_html: string;
  updated_at: string;
}

/** Shikimori's field rules (docs/user-rates.md §6): values corrected or reverted, never refused. */
describe('user_rates field rules', () => {
  let w: World;
  let target = 100;
  before(async () => {
    w = await world();
  });
  after(() => w.t.close());

  async function create(fields: Record<string, unknown>, targetType = 'Anime'): Promise<Rate> {
    const response = await call(w.t, 'POST', '/api/v2/user_rates', {
      token: w.aliceToken,
      json: { user_rate: { user_id: w.alice.id, target_id: ++target, target_type: targetType, ...fields } },
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as Rate;
  }

  async function update(id: number, fields: Record<string, unknown>): Promise<Rate> {
    const response = await call(w.t, 'PATCH', `/api/v2/user_rates/${id}`, {
      token: w.aliceToken,
      json: { user_rate: fields },
    });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as Rate;
  }

  async function increment(id: number): Promise<Rate> {
    const response = await call(w.t, 'POST', `/api/v2/user_rates/${id}/increment`, { token: w.aliceToken });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as Rate;
  }

  it('score: 0 to 10; out of range reverts to the previous score; blank is 0; strings are cast', async () => {
    assert.equal((await create({ score: 11 })).score, 0);
    const rate = await create({ score: 7 });
    assert.equal((await update(rate.id, { score: 11 })).score, 7);
    assert.equal((await update(rate.id, { score: -1 })).score, 7);
    assert.equal((await update(rate.id, { score: '7.9' })).score, 7);
    assert.equal((await update(rate.id, { score: '9' })).score, 9);
    assert.equal((await update(rate.id, { score: 'abc' })).score, 0);
    assert.equal((await update(rate.id, { score: 5 })).score, 5);
    assert.equal((await update(rate.id, { score: '' })).score, 0);
    assert.equal((await update(rate.id, { score: 5 })).score, 5);
    assert.equal((await update(rate.id, { score: null })).score, 0);
  });

  it('counters: null and negative are 0, above 9999 reverts; the other type\'s counters are kept as sent', async () => {
    const rate = await create({ episodes: -3, chapters: -2, volumes: 12000 });
    assert.deepEqual([rate.episodes, rate.chapters, rate.volumes], [0, -2, 12000]);
    const updated = await update(rate.id, { episodes: 12, status: 'watching' });
    assert.equal(updated.episodes, 12);
    assert.equal((await update(rate.id, { episodes: 10000 })).episodes, 12);
    assert.equal((await update(rate.id, { episodes: 9999 })).episodes, 9999);
    assert.equal((await update(rate.id, { rewatches: null })).rewatches, 0);
    assert.equal((await update(rate.id, { rewatches: -4 })).rewatches, -4);
    const manga = await create({ chapters: 10000, volumes: null, episodes: 5 }, 'Manga');
    assert.deepEqual([manga.chapters, manga.volumes, manga.episodes], [0, 0, 5]);
  });

  it('an existing counter from 0 sets watching, back to 0 planned (no status in the request)', async () => {
    const rate = await create({});
    assert.equal(rate.status, 'planned');
    assert.equal((await increment(rate.id)).status, 'watching');
    assert.equal((await update(rate.id, { episodes: 0 })).status, 'planned');
    // A status sent along wins.
    assert.equal((await update(rate.id, { episodes: 3, status: 'on_hold' })).status, 'on_hold');
    const completed = await create({ status: 'completed' });
    assert.equal((await update(completed.id, { episodes: 4 })).status, 'completed');
    const dropped = await create({ status: 4 });
    assert.equal(dropped.status, 'dropped');
    assert.equal((await update(dropped.id, { chapters: 4, episodes: 2 })).status, 'dropped');
    // A new entry keeps the status it was given (planned by default), whatever its counters.
    assert.equal((await create({ episodes: 5 })).status, 'planned');
  });

  it('rewatching resets the counters unless the request sets them; their 0 keeps the status', async () => {
    const rate = await create({ status: 'completed', episodes: 12 });
    const rewatching = await update(rate.id, { status: '9' });
    assert.deepEqual([rewatching.status, rewatching.episodes], ['rewatching', 0]);
    assert.equal((await update(rate.id, { episodes: 0 })).status, 'rewatching');
    const other = await create({ status: 'completed', episodes: 12 });
    const given = await update(other.id, { status: 'rewatching', episodes: 3 });
    assert.deepEqual([given.status, given.episodes], ['rewatching', 3]);
    const manga = await create({ status: 'completed', chapters: 50, volumes: 5 }, 'Manga');
    const reread = await update(manga.id, { status: 'rewatching', volumes: 2 });
    assert.deepEqual([reread.chapters, reread.volumes], [0, 2]);
  });

  it('an increment that changes nothing (past 9999) leaves updated_at and tells no event', async () => {
    const rate = await create({ episodes: 9999, status: 'watching' });
    w.t.clock.advance(10);
    const before = w.events.length;
    const same = await increment(rate.id);
    assert.equal(same.episodes, 9999);
    assert.equal(same.updated_at, rate.updated_at);
    assert.equal(w.events.length, before);
  });

  it('text: truncated at 4096 characters; text_html escaped, with <br> and links', async () => {
    const long = '字'.repeat(4000) + '😀'.repeat(200);
    const rate = await create({ text: long });
    assert.equal(Array.from(rate.text ?? '').length, 4096);
    assert.equal(rate.text, '字'.repeat(4000) + '😀'.repeat(96));
    assert.equal((await create({ text: null })).text_html, '');
    assert.equal((await create({ text: '' })).text_html, '');
    const note = await create({ text: 'sdfdsf\r\nsdf\r\n' });
    assert.equal(note.text_html, 'sdfdsf<br>sdf');
    const linked = await create({ text: 'rus - http://samlib.ru/e/x/\r\neng - https://www.example.org/i.php?t=M_T' });
    assert.equal(
      linked.text_html,
      'rus - <a class="b-link" href="http://samlib.ru/e/x/" rel="noopener noreferrer nofollow">samlib.ru/e/x/</a>' +
        '<br>eng - <a class="b-link" href="https://www.example.org/i.php?t=M_T" rel="noopener noreferrer nofollow">' +
        'www.example.org/i.php?t=M_T</a>',
    );
    const response = await call(w.t, 'GET', `/api/v2/user_rates/${linked.id}`);
    assert.ok(response.body.includes('"rus - \\u003ca class=\\"b-link\\" href=\\"http://samlib.ru/e/x/\\"'));
    const html = await create({ text: '<b>Tom & "Jerry"</b> 日本' });
    assert.equal(html.text_html, '&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; 日本');
    assert.equal((await create({ text: 5 })).text, '5');
  });
});
