/**
 * Choosing a public application on the form (issue 11): a "Confidential" checkbox, ticked by default, chosen once at
 * creation. A public application shows no client secret anywhere and offers no secret to regenerate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '../helpers/browser.js';
import { TestMonban } from '../helpers/monban.js';
import { assertPageHeaders, followSeeOther, formFields, hasElement, submitForm, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };
const ru = { 'accept-language': 'ru' };

describe('public applications on the application pages (issue 11)', () => {
  let t: TestMonban;
  let alice: Browser;

  before(async () => {
    t = await TestMonban.start();
    await t.createUser('alice');
    alice = await t.browserFor('alice');
  });
  after(() => t.close());

  async function submitNew(changes: Record<string, string | string[] | null>, headers = en) {
    const form = await alice.get('/oauth/applications/new', headers);
    assert.equal(form.statusCode, 200);
    const fields = { name: 'SPA', redirect_uri: 'https://spa.example/cb', ...changes };
    // The form answers 303 (post/redirect/get); the page it leads to shows the credentials.
    return followSeeOther(alice, await submitForm(alice, form.body, 'application', fields, headers), headers);
  }

  async function applicationOf(page: string) {
    const application = await t.stores.applications.findByUid(textOf(page, 'client_id'));
    assert.ok(application);
    return application;
  }

  it('offers a labelled "Confidential" checkbox, ticked, with a hint on public applications', async () => {
    const page = (await alice.get('/oauth/applications/new', en)).body;
    assert.match(
      page,
      /<label for="application_confidential"><input type="checkbox" id="application_confidential" name="confidential"\s+value="1" aria-describedby="application_confidential_hint" checked>\s+Confidential<\/label>/,
    );
    assert.equal(
      textOf(page, 'application_confidential_hint'),
      'Untick for a public application: a mobile or single-page app that cannot keep a secret. It gets no client secret and must use PKCE (S256). This cannot be changed later.',
    );
    const fields = formFields(page, 'application').fields;
    assert.deepEqual(fields.filter(([name]) => name.startsWith('confidential')), [
      ['confidential_sent', '1'],
      ['confidential', '1'],
    ]);
    const russian = (await alice.get('/oauth/applications/new', ru)).body;
    assert.match(russian, /Конфиденциальное<\/label>/);
    assert.match(textOf(russian, 'application_confidential_hint'), /^Сними отметку для публичного приложения/);
  });

  it('creates a confidential application when ticked, as before', async () => {
    const response = await submitNew({});
    assert.equal(response.statusCode, 200, response.body);
    assert.match(textOf(response.body, 'client_secret'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await applicationOf(response.body)).confidential, true);
  });

  it('creates a confidential application from a form that does not offer the choice', async () => {
    const response = await submitNew({ confidential: null, confidential_sent: null });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal((await applicationOf(response.body)).confidential, true);
  });

  it('creates a public application when unticked: no secret shown or stored, and the page says why', async () => {
    const response = await submitNew({ confidential: null });
    assert.equal(response.statusCode, 200, response.body);
    assertPageHeaders(response);
    assert.equal(hasElement(response.body, 'client_secret'), false);
    assert.equal(hasElement(response.body, 'copy_client_secret'), false);
    assert.doesNotMatch(response.body, /Copy the client secret now/);
    assert.equal(
      textOf(response.body, 'public_client'),
      'This is a public application: it has no client secret. It sends only its client ID and must use PKCE (code_challenge with S256).',
    );
    const application = await applicationOf(response.body);
    assert.equal(application.confidential, false);
    assert.equal(application.secretHash, '');

    const show = await alice.get(`/oauth/applications/${application.id}`, en);
    assert.equal(textOf(show.body, 'application_client_type'), 'Public: no client secret, must use PKCE');
    const edit = await alice.get(`/oauth/applications/${application.id}/edit`, en);
    assert.equal(edit.statusCode, 200);
    assert.equal(hasElement(edit.body, 'regenerate_secret'), false);
    assert.equal(hasElement(edit.body, 'application_confidential'), false, 'chosen once, at creation');
    assert.match(textOf(edit.body, 'public_client'), /^This is a public application/);

    // Saving the edit form keeps it public; asking for a secret anyway gets nothing.
    const saved = await submitForm(alice, edit.body, 'application', { name: 'SPA renamed' }, en);
    assert.equal(saved.statusCode, 303, saved.body);
    const fresh = await alice.get(`/oauth/applications/${application.id}/edit`, en);
    const regenerate = await alice.post(`/oauth/applications/${application.id}/secret`, [['_csrf', csrfOf(fresh.body)]], en);
    assert.equal(regenerate.statusCode, 404);
    const after = await t.stores.applications.findById(application.id);
    assert.deepEqual([after?.name, after?.confidential, after?.secretHash], ['SPA renamed', false, '']);
  });

  it('shows a confidential application as such', async () => {
    const created = await submitNew({});
    const application = await applicationOf(created.body);
    const show = await alice.get(`/oauth/applications/${application.id}`, en);
    assert.equal(textOf(show.body, 'application_client_type'), 'Confidential: authenticates with its client secret');
  });
});

function csrfOf(page: string): string {
  return formFields(page, 'application').fields.find(([name]) => name === '_csrf')?.[1] ?? '';
}
