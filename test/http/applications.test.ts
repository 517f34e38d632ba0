/**
 * Application management at /oauth/applications (the second bullet; compatibility.md §3; security.md #90-#93): create,
 * edit, regenerate the secret, delete; redirect URIs validated as Doorkeeper does, with its messages next to the
 * field; the secret shown once; only the owner or an administrator changes an application; CSRF on every form.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { secretHash } from '../../src/core/secrets.js';
import { Browser } from '../helpers/browser.js';
import { TestMonban } from '../helpers/monban.js';
import {
  assertNoInlineScriptOrForeignAsset,
  assertPageHeaders,
  checked,
  followSeeOther,
  formFields,
  hasElement,
  submitForm,
  textOf,
} from './pages-support.js';

const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

interface Created {
  id: number;
  clientId: string;
  clientSecret: string;
  page: string;
}

describe('application management pages', () => {
  let t: TestMonban;
  let alice: Browser;
  let bob: Browser;
  let admin: Browser;
  let aliceId: number;

  before(async () => {
    t = await TestMonban.start();
    aliceId = (await t.createUser('alice')).id;
    await t.createUser('bob');
    await t.createUser('root', { admin: true });
    alice = await t.browserFor('alice');
    bob = await t.browserFor('bob');
    admin = await t.browserFor('root');
  });
  after(() => t.close());

  const en = { 'accept-language': 'en' };

  /** Fills in the new-application form as a person would, and posts it. */
  async function submitNew(browser: Browser, changes: Record<string, string | string[] | null>) {
    const form = await browser.get('/oauth/applications/new', en);
    assert.equal(form.statusCode, 200);
    return submitForm(browser, form.body, 'application', changes, en);
  }

  async function create(browser: Browser, changes: Record<string, string | string[] | null> = {}): Promise<Created> {
    const response = await submitNew(browser, {
      name: 'Anime tracker',
      redirect_uri: 'https://tracker.example/callback\nurn:ietf:wg:oauth:2.0:oob',
      description_en: 'Tracks what you watch.',
      description_ru: 'Следит за тем, что ты смотришь.',
      scopes: ['user_rates', 'comments'],
      ...changes,
    });
    const shown = await followSeeOther(browser, response, en);
    assert.equal(shown.statusCode, 200, shown.body);
    const clientId = textOf(shown.body, 'client_id');
    const clientSecret = textOf(shown.body, 'client_secret');
    const application = await t.stores.applications.findByUid(clientId);
    assert.ok(application);
    return { id: application.id, clientId, clientSecret, page: shown.body };
  }

  function clientCredentials(clientId: string, clientSecret: string) {
    return t.token({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  }

  describe('guests', () => {
    it('are sent to sign in first, and come back to the page they asked for', async () => {
      const { id } = await create(alice);
      const guest = new Browser(t.server);
      for (const path of ['/oauth/applications', '/oauth/applications/new', `/oauth/applications/${id}`, `/oauth/applications/${id}/edit`]) {
        const response = await guest.get(path);
        assert.equal(response.statusCode, 302, path);
        assert.equal(response.headers.location, `/users/sign_in?return_to=${encodeURIComponent(path)}`);
      }
    });

    it('cannot create an application even with a valid CSRF token (security.md #90)', async () => {
      const guest = new Browser(t.server);
      const signIn = await guest.get('/users/sign_in');
      const csrf = formFields(signIn.body, 'sign_in').fields.find(([n]) => n === '_csrf')?.[1] ?? '';
      const before = (await t.stores.applications.listAll(1000)).length;
      const response = await guest.post('/oauth/applications', {
        _csrf: csrf,
        name: 'Sneaky',
        redirect_uri: 'https://sneaky.example/cb',
      });
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/users/sign_in?return_to=%2Foauth%2Fapplications');
      assert.equal((await t.stores.applications.listAll(1000)).length, before);
    });
  });

  describe('creating', () => {
    it('offers a labelled form whose scope checkboxes are limited to the allowed scopes (compatibility.md §3)', async () => {
      const response = await alice.get('/oauth/applications/new', en);
      assertPageHeaders(response);
      assertNoInlineScriptOrForeignAsset(response.body);
      const page = response.body;
      for (const [id, label] of <Array<[string, string]>>[
        ['application_name', 'Name'],
        ['application_redirect_uri', 'Redirect URIs'],
        ['application_description_en', 'Description in English'],
        ['application_description_ru', 'Description in Russian'],
      ]) {
        assert.match(page, new RegExp(`<label for="${id}">${label}</label>`), id);
        assert.ok(hasElement(page, id), id);
      }
      assert.match(textOf(page, 'application_redirect_uri_hint'), /urn:ietf:wg:oauth:2\.0:oob for mobile and standalone apps/);
      for (const scope of ['user_rates', 'comments', 'topics']) {
        assert.match(page, new RegExp(`id="application_scopes_${scope}">`), `${scope} is enabled`);
      }
      for (const scope of ['email', 'messages', 'content', 'clubs', 'friends', 'ignores']) {
        assert.match(page, new RegExp(`id="application_scopes_${scope}" disabled>`), `${scope} is disabled`);
      }
      assert.equal(hasElement(page, 'application_allowed_scopes'), false, 'only administrators see allowed scopes');
    });

    it('shows the client secret once, and the secret works at /oauth/token', async () => {
      const created = await create(alice);
      assert.match(created.clientId, SECRET_SHAPE);
      assert.match(created.clientSecret, SECRET_SHAPE);
      assert.match(created.page, /Application created\./);
      assert.match(created.page, /id="copy_client_secret" data-copy="client_secret"/);
      const application = await t.stores.applications.findById(created.id);
      assert.equal(application?.secretHash, secretHash(created.clientSecret), 'stored as its hash');
      assert.equal(application?.ownerId, aliceId);
      assert.deepEqual(application?.redirectUris, ['https://tracker.example/callback', 'urn:ietf:wg:oauth:2.0:oob']);
      assert.deepEqual(application?.scopes, ['user_rates', 'comments']);
      assert.deepEqual(application?.allowedScopes, ['user_rates', 'comments', 'topics']);
      assert.equal(application?.descriptionRu, 'Следит за тем, что ты смотришь.');

      const token = await clientCredentials(created.clientId, created.clientSecret);
      assert.equal(token.statusCode, 200, token.body);

      for (const path of [`/oauth/applications/${created.id}`, `/oauth/applications/${created.id}/edit`, '/oauth/applications']) {
        const page = await alice.get(path);
        assert.equal(page.statusCode, 200);
        assert.equal(page.body.includes(created.clientSecret), false, `${path} never shows the secret again`);
      }
    });

    it('keeps a tampered scope out: scopes stay within the allowed ones (restrict_scopes, compatibility.md §3)', async () => {
      const created = await create(alice, { scopes: ['user_rates', 'email', 'messages'], allowed_scopes: 'email', allowed_scopes_sent: '1' });
      const application = await t.stores.applications.findById(created.id);
      assert.deepEqual(application?.scopes, ['user_rates']);
      assert.deepEqual(application?.allowedScopes, ['user_rates', 'comments', 'topics']);
    });

    const refused: Array<[string, string]> = [
      ['http://tracker.example/cb', 'must be an HTTPS/SSL URI.'],
      ['https://tracker.example/cb#fragment', 'cannot contain a fragment.'],
      ['/cb', 'must be an absolute URI.'],
      ['localhost:3000/cb', 'must specify a scheme.'],
      ['https://[bad/cb', 'must be a valid URI.'],
      ['javascript:alert(1)', 'is forbidden by the server.'],
      ['data:text/html,x', 'is forbidden by the server.'],
      ['https://*.tracker.example/cb', 'must be a valid URI.'],
      ['https://user:pass@tracker.example/cb', 'must not contain a user name or password.'],
    ];
    for (const [uri, message] of refused) {
      it(`refuses ${uri} with Doorkeeper's "${message}" next to the field, storing nothing (security.md #91)`, async () => {
        const before = await t.stores.applications.listByOwner(aliceId);
        const response = await submitNew(alice, { name: 'Bad', redirect_uri: `https://fine.example/cb\n${uri}` });
        assert.equal(response.statusCode, 422);
        assertPageHeaders(response);
        assert.equal(textOf(response.body, 'application_redirect_uri_errors'), `${uri} ${message}`);
        assert.match(response.body, /aria-describedby="application_redirect_uri_hint application_redirect_uri_errors" aria-invalid="true"/);
        assert.match(response.body, /Please correct the errors below\./);
        // What was typed is kept, so the user corrects it instead of typing it again.
        assert.match(response.body, /<input id="application_name" name="name" required maxlength="255" value="Bad"/);
        assert.deepEqual(await t.stores.applications.listByOwner(aliceId), before);
      });
    }

    it('refuses a blank name and blank redirect URIs, each next to its own field', async () => {
      const response = await submitNew(alice, { name: '   ', redirect_uri: '  \n ' });
      assert.equal(response.statusCode, 422);
      assert.equal(textOf(response.body, 'application_name_errors'), 'Name must be 1 to 255 characters long.');
      assert.equal(textOf(response.body, 'application_redirect_uri_errors'), "Redirect URI can't be blank.");
    });

    it('accepts loopback http, custom schemes and the out-of-band URI (compatibility.md §1 force_ssl_in_redirect_uri)', async () => {
      const uris = ['http://localhost:8080/cb', 'http://127.0.0.1/cb', 'com.example.app:/oauth', 'urn:ietf:wg:oauth:2.0:oob'];
      const created = await create(alice, { redirect_uri: uris.join('\r\n') });
      assert.deepEqual((await t.stores.applications.findById(created.id))?.redirectUris, uris);
    });

    it('escapes what users type (security.md #93)', async () => {
      const created = await create(alice, { name: '<img src=x onerror=alert(1)>' });
      const page = await bob.get(`/oauth/applications/${created.id}`);
      assert.equal(page.body.includes('<img src=x'), false);
      assert.match(page.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
    });
  });

  describe('the application page', () => {
    it('shows owner, users, description and scopes to everyone signed in, and edit links to the owner', async () => {
      const created = await create(alice);
      const asBob = await bob.get(`/oauth/applications/${created.id}`, en);
      assert.equal(asBob.statusCode, 200);
      assertPageHeaders(asBob);
      assert.equal(textOf(asBob.body, 'application_owner'), '@alice');
      assert.equal(textOf(asBob.body, 'application_users'), '0');
      assert.match(asBob.body, /<p class="application-description">Tracks what you watch\.<\/p>/);
      assert.match(asBob.body, /Change your list of anime and manga <code>user_rates<\/code>/);
      assert.equal(hasElement(asBob.body, 'edit_application'), false);
      assert.equal(asBob.body.includes('tracker.example/callback'), false, 'redirect URIs are for the owner');

      const asRussian = await bob.get(`/oauth/applications/${created.id}`, { 'accept-language': 'ru' });
      assert.match(asRussian.body, /<p class="application-description">Следит за тем, что ты смотришь\.<\/p>/);
      assert.match(asRussian.body, /Изменять твой список аниме и манги <code>user_rates<\/code>/);

      const asOwner = await alice.get(`/oauth/applications/${created.id}`, en);
      assert.ok(hasElement(asOwner.body, 'edit_application'));
      assert.match(asOwner.body, /tracker\.example\/callback/);
    });

    it('answers 404 for an unknown or malformed id', async () => {
      for (const id of ['999999', 'abc', '1e3', '0']) {
        const response = await alice.get(`/oauth/applications/${id}`);
        assert.equal(response.statusCode, 404, id);
        assertPageHeaders(response);
      }
    });
  });

  describe('editing', () => {
    it('saves every field and comes back to the application page', async () => {
      const created = await create(alice);
      const form = await alice.get(`/oauth/applications/${created.id}/edit`, en);
      assert.equal(form.statusCode, 200);
      assert.equal(textOf(form.body, 'client_id'), created.clientId);
      assert.equal(form.body.includes(created.clientSecret), false);
      assert.deepEqual(checked(form.body, 'application', 'scopes'), ['user_rates', 'comments']);
      const response = await submitForm(alice, form.body, 'application', {
        name: 'Renamed tracker',
        redirect_uri: 'https://tracker.example/v2/callback',
        description_en: 'v2',
        scopes: ['topics'],
      });
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, `/oauth/applications/${created.id}`);
      const saved = await t.stores.applications.findById(created.id);
      assert.equal(saved?.name, 'Renamed tracker');
      assert.deepEqual(saved?.redirectUris, ['https://tracker.example/v2/callback']);
      assert.equal(saved?.descriptionEn, 'v2');
      assert.equal(saved?.descriptionRu, 'Следит за тем, что ты смотришь.', 'the untouched field keeps its value');
      assert.deepEqual(saved?.scopes, ['topics']);
      assert.equal(saved?.secretHash, secretHash(created.clientSecret), 'editing keeps the secret');
    });

    it('shows validation messages next to the field and changes nothing', async () => {
      const created = await create(alice);
      const form = await alice.get(`/oauth/applications/${created.id}/edit`, en);
      const response = await submitForm(alice, form.body, 'application', { redirect_uri: 'http://tracker.example/cb' }, en);
      assert.equal(response.statusCode, 422);
      assert.equal(textOf(response.body, 'application_redirect_uri_errors'), 'http://tracker.example/cb must be an HTTPS/SSL URI.');
      assert.deepEqual((await t.stores.applications.findById(created.id))?.redirectUris, [
        'https://tracker.example/callback',
        'urn:ietf:wg:oauth:2.0:oob',
      ]);
    });

    it('in Russian, translates the messages', async () => {
      const created = await create(alice);
      const ru = { 'accept-language': 'ru' };
      const form = await alice.get(`/oauth/applications/${created.id}/edit`, ru);
      assert.match(form.body, /<h1>Редактирование приложения<\/h1>/);
      assert.match(form.body, /<label for="application_name">Название<\/label>/);
      const response = await submitForm(alice, form.body, 'application', { name: '', redirect_uri: 'http://x.example/cb' }, ru);
      assert.equal(response.statusCode, 422);
      assert.equal(textOf(response.body, 'application_redirect_uri_errors'), 'http://x.example/cb должен использовать HTTPS/SSL.');
      assert.equal(textOf(response.body, 'application_name_errors'), 'Название должно быть длиной от 1 до 255 символов.');
    });
  });

  describe('regenerating the secret', () => {
    it('shows a new secret once; the old one answers 401 invalid_client (security.md #92)', async () => {
      const created = await create(alice);
      const edit = await alice.get(`/oauth/applications/${created.id}/edit`, en);
      const response = await followSeeOther(alice, await submitForm(alice, edit.body, 'regenerate_secret', {}, en), en);
      assert.equal(response.statusCode, 200);
      assertPageHeaders(response);
      assert.match(response.body, /A new client secret has been generated\. The old one no longer works\./);
      const newSecret = textOf(response.body, 'client_secret');
      assert.match(newSecret, SECRET_SHAPE);
      assert.notEqual(newSecret, created.clientSecret);

      const old = await clientCredentials(created.clientId, created.clientSecret);
      assert.equal(old.statusCode, 401);
      assert.equal(old.json().error, 'invalid_client');
      const fresh = await clientCredentials(created.clientId, newSecret);
      assert.equal(fresh.statusCode, 200, fresh.body);
      assert.equal((await t.stores.applications.findById(created.id))?.secretHash, secretHash(newSecret));
    });
  });

  describe('deleting', () => {
    it('asks with a POST form, then deletes the application with its tokens and codes', async () => {
      const created = await create(alice, { redirect_uri: 'https://tracker.example/callback' });
      const application = await t.stores.applications.findById(created.id);
      assert.ok(application);
      const testApp = { application, clientId: created.clientId, clientSecret: created.clientSecret };
      const tokens = await t.tokensFor(bob, testApp);
      const pendingCode = await t.authorize(bob, testApp);

      const confirm = await alice.get(`/oauth/applications/${created.id}/delete`, en);
      assert.equal(confirm.statusCode, 200);
      assert.match(confirm.body, /Delete “Anime tracker”\? Its tokens stop working/);
      const response = await submitForm(alice, confirm.body, 'delete_application');
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/oauth/applications?notice=deleted');
      const list = await alice.get('/oauth/applications?notice=deleted', en);
      assert.match(list.body, /Application deleted\./);

      assert.equal(await t.stores.applications.findById(created.id), undefined);
      assert.equal((await t.whoami(tokens.access_token)).statusCode, 401);
      const refresh = await t.token({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: created.clientId,
        client_secret: created.clientSecret,
      });
      // The refresh token went with the application: Doorkeeper looks it up first, so invalid_grant.
      assert.equal(refresh.statusCode, 400);
      assert.equal(refresh.json().error, 'invalid_grant');
      assert.equal(await t.stores.codes.findByHash(secretHash(pendingCode)), undefined);
      assert.equal((await bob.get(`/oauth/applications/${created.id}`)).statusCode, 404);
    });
  });

  describe('only the owner or an administrator changes an application (security.md #90)', () => {
    let created: Created;
    beforeEach(async () => {
      created = await create(alice);
    });

    async function unchanged() {
      const application = await t.stores.applications.findById(created.id);
      assert.equal(application?.name, 'Anime tracker');
      assert.equal(application?.secretHash, secretHash(created.clientSecret));
    }

    it('refuses another user with 403 on every page and action', async () => {
      const page = await bob.get('/oauth/applications/new');
      const csrf = formFields(page.body, 'application').fields.find(([n]) => n === '_csrf')?.[1] ?? '';
      for (const path of [`/oauth/applications/${created.id}/edit`, `/oauth/applications/${created.id}/delete`]) {
        const response = await bob.get(path, en);
        assert.equal(response.statusCode, 403, path);
        assert.match(response.body, /Only the owner of this application or an administrator can change it\./);
      }
      const update = await bob.post(`/oauth/applications/${created.id}`, {
        _csrf: csrf,
        name: 'Hijacked',
        redirect_uri: 'https://evil.example/cb',
      });
      assert.equal(update.statusCode, 403);
      const secret = await bob.post(`/oauth/applications/${created.id}/secret`, { _csrf: csrf });
      assert.equal(secret.statusCode, 403);
      assert.equal(secret.body.includes('client_secret'), false);
      const deletion = await bob.post(`/oauth/applications/${created.id}/delete`, { _csrf: csrf });
      assert.equal(deletion.statusCode, 403);
      await unchanged();
    });

    it('lets an administrator edit any application and widen its allowed scopes (compatibility.md §3)', async () => {
      const form = await admin.get(`/oauth/applications/${created.id}/edit`, en);
      assert.equal(form.statusCode, 200);
      assert.ok(hasElement(form.body, 'application_allowed_scopes'));
      assert.deepEqual(checked(form.body, 'application', 'allowed_scopes'), ['user_rates', 'comments', 'topics']);
      const response = await submitForm(admin, form.body, 'application', {
        allowed_scopes: ['user_rates', 'email', 'comments', 'topics'],
        scopes: ['user_rates', 'email', 'comments'],
      });
      assert.equal(response.statusCode, 303);
      let saved = await t.stores.applications.findById(created.id);
      assert.deepEqual(saved?.allowedScopes, ['user_rates', 'email', 'comments', 'topics']);
      assert.deepEqual(saved?.scopes, ['user_rates', 'email', 'comments']);

      // The owner now may tick email, but cannot widen further: their allowed_scopes are ignored.
      const ownerForm = await alice.get(`/oauth/applications/${created.id}/edit`, en);
      assert.match(ownerForm.body, /id="application_scopes_email" checked>/);
      assert.match(ownerForm.body, /id="application_scopes_messages" disabled>/);
      const tampered = await submitForm(alice, ownerForm.body, 'application', {
        allowed_scopes: ['messages'],
        allowed_scopes_sent: '1',
        scopes: ['email', 'messages'],
      });
      assert.equal(tampered.statusCode, 303);
      saved = await t.stores.applications.findById(created.id);
      assert.deepEqual(saved?.allowedScopes, ['user_rates', 'email', 'comments', 'topics']);
      assert.deepEqual(saved?.scopes, ['email']);

      // Narrowing the allowed scopes narrows the scopes with them.
      const again = await admin.get(`/oauth/applications/${created.id}/edit`, en);
      await submitForm(admin, again.body, 'application', { allowed_scopes: ['user_rates'] });
      saved = await t.stores.applications.findById(created.id);
      assert.deepEqual(saved?.allowedScopes, ['user_rates']);
      assert.deepEqual(saved?.scopes, []);
    });

    it("shows administrators every application, and regenerates another owner's secret for them", async () => {
      const list = await admin.get('/oauth/applications', en);
      assert.ok(hasElement(list.body, 'all_applications'));
      assert.ok(hasElement(list.body, `application_${created.id}`));
      const userList = await bob.get('/oauth/applications', en);
      assert.equal(hasElement(userList.body, 'all_applications'), false);

      const edit = await admin.get(`/oauth/applications/${created.id}/edit`);
      const response = await followSeeOther(admin, await submitForm(admin, edit.body, 'regenerate_secret'));
      assert.equal(response.statusCode, 200);
      const newSecret = textOf(response.body, 'client_secret');
      assert.equal((await clientCredentials(created.clientId, newSecret)).statusCode, 200);
    });
  });

  describe('CSRF (the issue: every form refused without its token, with nothing changed)', () => {
    it('refuses create, update, regenerate and delete without the token, or from another origin', async () => {
      const created = await create(alice);
      const edit = await alice.get(`/oauth/applications/${created.id}/edit`, en);
      const confirm = await alice.get(`/oauth/applications/${created.id}/delete`, en);
      const newForm = await alice.get('/oauth/applications/new', en);
      const countBefore = (await t.stores.applications.listByOwner(aliceId)).length;
      const attempts: Array<[string, string, string, Record<string, string | string[] | null>]> = [
        ['create', newForm.body, 'application', { name: 'No token', redirect_uri: 'https://x.example/cb' }],
        ['update', edit.body, 'application', { name: 'No token' }],
        ['regenerate', edit.body, 'regenerate_secret', {}],
        ['delete', confirm.body, 'delete_application', {}],
      ];
      for (const [what, page, form, changes] of attempts) {
        const withoutToken = await submitForm(alice, page, form, { ...changes, _csrf: null }, en);
        assert.equal(withoutToken.statusCode, 403, what);
        assertPageHeaders(withoutToken);
        assert.match(withoutToken.body, /This form has expired or was not sent from this site\./);
        const wrongToken = await submitForm(alice, page, form, { ...changes, _csrf: 'forged' }, en);
        assert.equal(wrongToken.statusCode, 403, what);
        const crossSite = await submitForm(alice, page, form, changes, {
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
        });
        assert.equal(crossSite.statusCode, 403, what);
      }
      assert.equal((await t.stores.applications.listByOwner(aliceId)).length, countBefore);
      const application = await t.stores.applications.findById(created.id);
      assert.equal(application?.name, 'Anime tracker');
      assert.equal(application?.secretHash, secretHash(created.clientSecret));
    });
  });

  describe('the list', () => {
    it('shows my applications with their users, apart from the applications with access to my account', async () => {
      const carol = await t.createUser('carol');
      const carolBrowser = await t.browserFor('carol');
      const mine = await create(carolBrowser, { name: 'Carol app' });
      const list = await carolBrowser.get('/oauth/applications', en);
      assert.equal(list.statusCode, 200);
      assertPageHeaders(list);
      assertNoInlineScriptOrForeignAsset(list.body);
      assert.match(list.body, /<h1>OAuth applications<\/h1>/);
      assert.equal(textOf(list.body, 'my_applications_title'), 'My applications');
      assert.equal(textOf(list.body, 'authorized_applications_title'), 'Applications with access to my account');
      assert.equal(textOf(list.body, `application_${mine.id}`), 'Carol app Users: 0');
      assert.match(textOf(list.body, 'authorized_applications'), /No application has access to your account\./);
      assert.ok(hasElement(list.body, 'new_application'));
      assert.equal(carol.nickname, 'carol');

      const ru = await carolBrowser.get('/oauth/applications', { 'accept-language': 'ru' });
      assert.match(ru.body, /<h1>OAuth приложения<\/h1>/);
      assert.equal(textOf(ru.body, 'my_applications_title'), 'Мои приложения');
      assert.equal(textOf(ru.body, 'authorized_applications_title'), 'Приложения с доступом к моему аккаунту');
    });
  });
});
