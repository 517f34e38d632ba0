/**
 * Post/redirect/get for client secrets (issue 13; security.md #92): creating an application and regenerating its
 * secret answer 303, and the page they lead to shows the secret once, from a reveal kept sealed in the database for
 * that one view. Reloading that page creates nothing and shows the secret no more.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Browser } from '../helpers/browser.js';
import { TestMonban } from '../helpers/monban.js';
import { assertPageHeaders, hasElement, submitForm, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };
const REVEAL_PATH = /^\/oauth\/applications\/(\d+)\/credentials\?reveal=[A-Za-z0-9_-]{43}$/;
const ALREADY_SHOWN =
  'The client secret was shown once, right after it was made, and is not shown again. If you lost it, regenerate it.';

describe('post/redirect/get for client secrets (issue 13)', () => {
  let t: TestMonban;
  let alice: Browser;
  let bob: Browser;

  before(async () => {
    t = await TestMonban.start();
    await t.createUser('alice');
    await t.createUser('bob');
    alice = await t.browserFor('alice');
    bob = await t.browserFor('bob');
  });
  after(() => t.close());

  async function postNew(browser: Browser, changes: Record<string, string | null> = {}) {
    const form = await browser.get('/oauth/applications/new', en);
    const fields = { name: 'Reloaded', redirect_uri: 'https://reload.example/cb', ...changes };
    return submitForm(browser, form.body, 'application', fields, en);
  }

  function seeOther(response: LightMyRequestResponse): { location: string; id: number } {
    assert.equal(response.statusCode, 303, response.body);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.body, '', 'the secret is not in the answer to the POST');
    const location = String(response.headers.location);
    const id = Number(REVEAL_PATH.exec(location)?.[1]);
    assert.ok(id > 0, location);
    return { location, id };
  }

  const count = async () => (await t.stores.applications.listAll(1000)).length;

  it('answers the form with 303, shows the secret once, and a reload creates nothing and shows no secret', async () => {
    const before = await count();
    const { location, id } = seeOther(await postNew(alice));
    assert.equal(await count(), before + 1);

    const first = await alice.get(location, en);
    assert.equal(first.statusCode, 200);
    assertPageHeaders(first);
    const secret = textOf(first.body, 'client_secret');
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.match(first.body, /Application created\./);
    const application = await t.stores.applications.findById(id);
    assert.equal(textOf(first.body, 'client_id'), application?.uid);

    // The reload: the same address, the same session. Nothing is created, and the secret is not shown again.
    for (let reload = 0; reload < 2; reload++) {
      const again = await alice.get(location, en);
      assert.equal(again.statusCode, 200);
      assertPageHeaders(again);
      assert.equal(again.body.includes(secret), false);
      assert.equal(hasElement(again.body, 'client_secret'), false);
      assert.equal(textOf(again.body, 'secret_already_shown'), ALREADY_SHOWN);
      assert.ok(hasElement(again.body, 'regenerate_secret'), 'offers a new secret');
      assert.doesNotMatch(again.body, /Application created\./);
    }
    assert.equal(await count(), before + 1);

    // The secret shown is the application's.
    const uid = application?.uid ?? '';
    const token = await t.token({ grant_type: 'client_credentials', client_id: uid, client_secret: secret });
    assert.equal(token.statusCode, 200, token.body);
  });

  it('keeps the secret only sealed until shown, and deletes it when shown', async () => {
    const { location } = seeOther(await postNew(alice));
    const rows = await t.monban.database.db.selectFrom('secret_reveals').selectAll().execute();
    assert.equal(rows.length, 1);
    const first = await alice.get(location, en);
    const secret = textOf(first.body, 'client_secret');
    const reveal = new URL(location, 'http://x').searchParams.get('reveal') ?? '';
    for (const row of rows) {
      for (const value of Object.values(row)) {
        assert.equal(String(value).includes(secret), false, 'the secret is stored sealed');
        assert.equal(String(value).includes(reveal), false, 'the reveal id is stored hashed');
      }
    }
    assert.equal((await t.monban.database.db.selectFrom('secret_reveals').selectAll().execute()).length, 0);
  });

  it("shows nothing to another session of the same user, nor after the reveal's ten minutes", async () => {
    const { location } = seeOther(await postNew(alice));
    const otherSession = await t.browserFor('alice');
    const other = await otherSession.get(location, en);
    assert.equal(other.statusCode, 200);
    assert.equal(hasElement(other.body, 'client_secret'), false);
    assert.equal(textOf(other.body, 'secret_already_shown'), ALREADY_SHOWN);
    // The owner's own session still gets it: the other session's view did not use it up.
    assert.ok(hasElement((await alice.get(location, en)).body, 'client_secret'));

    const late = seeOther(await postNew(alice));
    t.clock.advance(10 * 60 + 1);
    const expired = await alice.get(late.location, en);
    assert.equal(hasElement(expired.body, 'client_secret'), false);
    assert.equal(textOf(expired.body, 'secret_already_shown'), ALREADY_SHOWN);
  });

  it("refuses another user's view (403) and a malformed or unknown reveal id shows no secret", async () => {
    const { location, id } = seeOther(await postNew(alice));
    const refused = await bob.get(location, en);
    assert.equal(refused.statusCode, 403);
    assert.equal(hasElement(refused.body, 'client_secret'), false);
    for (const query of ['', '?reveal=', '?reveal=x', `?reveal=${'A'.repeat(43)}`, '?reveal=a&reveal=b']) {
      const response = await alice.get(`/oauth/applications/${id}/credentials${query}`, en);
      assert.equal(response.statusCode, 200, query);
      assert.equal(hasElement(response.body, 'client_secret'), false, query);
    }
    // Still there for the right id.
    assert.ok(hasElement((await alice.get(location, en)).body, 'client_secret'));
  });

  it('regenerates with 303 too: the new secret once, and a reload regenerates nothing', async () => {
    const { location, id } = seeOther(await postNew(alice));
    const original = textOf((await alice.get(location, en)).body, 'client_secret');
    const edit = await alice.get(`/oauth/applications/${id}/edit`, en);
    const regenerated = seeOther(await submitForm(alice, edit.body, 'regenerate_secret', {}, en));
    assert.equal(regenerated.id, id);
    const shown = await alice.get(regenerated.location, en);
    assert.match(shown.body, /A new client secret has been generated\. The old one no longer works\./);
    const secret = textOf(shown.body, 'client_secret');
    assert.notEqual(secret, original);
    const hash = (await t.stores.applications.findById(id))?.secretHash;
    const reload = await alice.get(regenerated.location, en);
    assert.equal(hasElement(reload.body, 'client_secret'), false);
    assert.equal((await t.stores.applications.findById(id))?.secretHash, hash, 'the reload regenerated nothing');
    const uid = (await t.stores.applications.findById(id))?.uid ?? '';
    const token = await t.token({ grant_type: 'client_credentials', client_id: uid, client_secret: secret });
    assert.equal(token.statusCode, 200, token.body);
  });

  it('leads a public application to its credentials page, which says it has no secret, also on reload', async () => {
    const { location } = seeOther(await postNew(alice, { confidential: null }));
    for (const view of [await alice.get(location, en), await alice.get(location, en)]) {
      assert.equal(view.statusCode, 200);
      assert.equal(hasElement(view.body, 'client_secret'), false);
      assert.match(textOf(view.body, 'public_client'), /^This is a public application/);
      assert.equal(hasElement(view.body, 'regenerate_secret'), false);
    }
  });

  it('names each copy button for what it copies, in both languages', async () => {
    const { location } = seeOther(await postNew(alice));
    const page = (await alice.get(location, en)).body;
    assert.match(page, /id="copy_client_id" data-copy="client_id" aria-label="Copy the client ID"/);
    assert.match(page, /id="copy_client_secret" data-copy="client_secret" aria-label="Copy the client secret"/);
    const ru = { 'accept-language': 'ru' };
    const next = seeOther(await postNew(alice));
    const russian = (await alice.get(next.location, ru)).body;
    assert.match(russian, /aria-label="Копировать client ID"/);
    assert.match(russian, /aria-label="Копировать client secret"/);
  });
});
