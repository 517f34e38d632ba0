/**
 * Uploaded application icons (issue 13; security.md "Uploaded icons"): the edit form's file input, the type read from
 * the bytes (SVG and HTML refused whatever they are called), the size limit, removal, who may upload, CSRF on the
 * multipart form, the icon's route and its headers, and the pages that show the icon.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ICON_MAX_BYTES, iconVersion } from '../../src/accounts/application-icons.js';
import { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { formFields, formHtml, hasElement, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };
const ru = { 'accept-language': 'ru' };

/** A 1x1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>');
const HTML = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');

type Part = { name: string; value: string } | { name: string; filename: string; type: string; bytes: Buffer };

const BOUNDARY = '----monban-test-boundary';

/** A multipart/form-data body as a browser sends it (an empty file input: filename="" and no bytes). */
function multipartBody(parts: readonly Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('value' in part) {
      chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n`));
      chunks.push(Buffer.from(part.value, 'utf8'));
    } else {
      const disposition = `form-data; name="${part.name}"; filename="${part.filename}"`;
      const head = `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${part.type}\r\n\r\n`;
      chunks.push(Buffer.from(head));
      chunks.push(part.bytes);
    }
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

interface Upload {
  filename?: string;
  type?: string;
  bytes?: Buffer;
  /** Field changes as in submitForm: a string replaces a field, null removes it. */
  changes?: Record<string, string | null>;
  headers?: Record<string, string>;
}

/** Submits the edit form of `page` as the browser would (multipart), with this file in its icon input. */
function submitEdit(browser: Browser, page: string, upload: Upload = {}): Promise<LightMyRequestResponse> {
  const form = formFields(page, 'application');
  const changes = upload.changes ?? {};
  const parts: Part[] = form.fields
    .filter(([name]) => name !== 'icon' && !(name in changes))
    .map(([name, value]) => ({ name, value }));
  for (const [name, value] of Object.entries(changes)) if (value !== null) parts.push({ name, value });
  parts.push({
    name: 'icon',
    filename: upload.filename ?? (upload.bytes ? 'icon.png' : ''),
    type: upload.type ?? (upload.bytes ? 'image/png' : 'application/octet-stream'),
    bytes: upload.bytes ?? Buffer.alloc(0),
  });
  return browser.request({
    method: 'POST',
    url: form.action,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...en, ...upload.headers },
    payload: multipartBody(parts),
  });
}

describe('uploaded application icons', () => {
  let t: TestMonban;
  let bob: Browser;
  let alice: Browser;
  let app: TestApp;
  let bobId: number;
  const edit = () => `/oauth/applications/${app.application.id}/edit`;
  const iconPath = () => `/oauth/applications/${app.application.id}/icon`;
  const stored = async () => t.stores.applications.findById(app.application.id);
  const storedIcon = async () => t.stores.applicationIcons.find(app.application.id);
  const uploadedImg = (version: string, size: number) =>
    `<img class="icon uploaded" src="${iconPath()}?v=${version}" width="${size}" height="${size}" alt="">`;

  before(async () => {
    t = await TestMonban.start();
    bobId = (await t.createUser('bob')).id;
    await t.createUser('alice');
    await t.createUser('carol');
    bob = await t.browserFor('bob');
    alice = await t.browserFor('alice');
  });
  after(() => t.close());
  beforeEach(async () => {
    app = await t.createApp(bobId, { name: 'Anime tracker', descriptionEn: 'Tracks what you watch.' });
  });

  it('offers a file input on the multipart edit form, and a removal checkbox once there is an icon', async () => {
    const page = await bob.get(edit(), en);
    assert.equal(page.statusCode, 200);
    const form = formHtml(page.body, 'application');
    const action = `/oauth/applications/${app.application.id}`;
    const opening = `<form method="post" action="${action}" id="application" enctype="multipart/form-data">`;
    assert.ok(form.startsWith(opening));
    assert.match(form, /<label for="application_icon">Icon<\/label>/);
    const input = '<input type="file" id="application_icon" name="icon"';
    const accept = 'accept="image/png,image/jpeg,image/gif,image/webp" aria-describedby="application_icon_hint">';
    assert.ok(form.includes(`${input} ${accept}`));
    assert.equal(
      textOf(page.body, 'application_icon_hint'),
      'PNG, JPEG, GIF or WebP, at most 256 KiB; square pictures look best. Without one, the initials are shown.',
    );
    assert.ok(!hasElement(page.body, 'application_icon_remove'));
    // The new-application form stays urlencoded: it takes no file.
    const fresh = await bob.get('/oauth/applications/new', en);
    assert.doesNotMatch(formHtml(fresh.body, 'application'), /enctype|type="file"/);

    assert.equal((await submitEdit(bob, page.body, { bytes: PNG })).statusCode, 303);
    const again = await bob.get(edit(), en);
    const remove = /<input type="checkbox" id="application_icon_remove"\s+name="icon_remove" value="1">\s+Remove/;
    assert.match(again.body, remove);
    assert.ok(again.body.includes(uploadedImg(iconVersion(PNG), 48)), 'the current icon beside the input');
  });

  it('takes a PNG, shows it on the application page, the lists and the consent page, and serves it', async () => {
    const page = await bob.get(edit(), en);
    const saved = await submitEdit(bob, page.body, { bytes: PNG, changes: { name: 'Anime tracker 2' } });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/oauth/applications/${app.application.id}`);
    const version = iconVersion(PNG);
    assert.match(version, /^[\w-]{22}$/);
    const application = await stored();
    assert.equal(application?.name, 'Anime tracker 2', 'the other fields are saved with it');
    assert.equal(application?.iconVersion, version);
    const icon = await storedIcon();
    assert.equal(icon?.contentType, 'image/png');
    assert.deepEqual(Buffer.from(icon?.bytes ?? []), PNG);

    const show = await alice.get(`/oauth/applications/${app.application.id}`, en);
    assert.ok(show.body.includes(uploadedImg(version, 48)), 'the application page');
    const owned = await bob.get('/oauth/applications', en);
    assert.ok(textOf(owned.body, 'my_applications').includes('Anime tracker 2'));
    assert.ok(owned.body.includes(uploadedImg(version, 32)), "the owner's list");
    const query = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: 'https://client.example/cb',
      response_type: 'code',
    });
    const consent = await alice.get(`/oauth/authorize?${query}`, en);
    assert.equal(consent.statusCode, 200);
    assert.ok(consent.body.includes(`<div class="application-card">${uploadedImg(version, 56)}`), 'the consent page');
    await t.tokensFor(alice, app);
    const authorized = await alice.get('/oauth/applications', en);
    const item = /<li id="authorized_application_\d+">[\s\S]*?<\/li>/.exec(authorized.body)?.[0] ?? '';
    assert.ok(item.includes(uploadedImg(version, 32)), 'the authorized-applications list');

    // Public, as the consent page that shows it: served to anyone, with the type found in its bytes.
    const guest = new Browser(t.server);
    const served = await guest.get(`${iconPath()}?v=${version}`);
    assert.equal(served.statusCode, 200);
    assert.deepEqual(served.rawPayload, PNG);
    assert.equal(served.headers['content-type'], 'image/png');
    assert.equal(served.headers['x-content-type-options'], 'nosniff');
    assert.equal(served.headers['content-security-policy'], "default-src 'none'; sandbox");
    assert.equal(served.headers.etag, `"${version}"`);
    assert.equal(served.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(served.headers['set-cookie'], undefined);
    // Without the current version the URL may change meaning: revalidated, and 304 when unchanged.
    const bare = await guest.get(iconPath());
    assert.equal(bare.statusCode, 200);
    assert.equal(bare.headers['cache-control'], 'no-cache');
    const stale = await guest.get(`${iconPath()}?v=old`);
    assert.equal(stale.headers['cache-control'], 'no-cache');
    const revalidated = await guest.get(iconPath(), { 'if-none-match': `W/"x", "${version}"` });
    assert.equal(revalidated.statusCode, 304);
    assert.equal(revalidated.body, '');
    assert.equal(revalidated.headers.etag, `"${version}"`);
    const head = await guest.request({ method: 'HEAD', url: `${iconPath()}?v=${version}` });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-type'], 'image/png');
  });

  it('replaces an icon with another type, and a new version', async () => {
    const page = await bob.get(edit(), en);
    assert.equal((await submitEdit(bob, page.body, { bytes: PNG })).statusCode, 303);
    const again = await bob.get(edit(), en);
    // The client's name and type are not trusted either way: a GIF called icon.png is a GIF.
    assert.equal((await submitEdit(bob, again.body, { bytes: GIF })).statusCode, 303);
    assert.equal((await stored())?.iconVersion, iconVersion(GIF));
    const served = await alice.get(`${iconPath()}?v=${iconVersion(GIF)}`);
    assert.equal(served.headers['content-type'], 'image/gif');
    assert.deepEqual(served.rawPayload, GIF);
  });

  it('keeps the icon when the form is saved with an empty file input', async () => {
    const page = await bob.get(edit(), en);
    assert.equal((await submitEdit(bob, page.body, { bytes: PNG })).statusCode, 303);
    const again = await bob.get(edit(), en);
    const saved = await submitEdit(bob, again.body, { changes: { name: 'Renamed' } });
    assert.equal(saved.statusCode, 303);
    assert.equal((await stored())?.name, 'Renamed');
    assert.equal((await stored())?.iconVersion, iconVersion(PNG));
  });

  for (const [what, bytes, type] of [
    ['SVG (called icon.png, sent as image/png)', SVG, 'image/png'],
    ['SVG (sent as image/svg+xml)', SVG, 'image/svg+xml'],
    ['HTML (called icon.png)', HTML, 'image/png'],
    ['text', Buffer.from('not a picture'), 'image/png'],
  ] as const) {
    it(`refuses ${what} with 422 and the reason next to the field, changing nothing`, async () => {
      const page = await bob.get(edit(), en);
      const response = await submitEdit(bob, page.body, { bytes, type, changes: { name: 'Renamed' } });
      assert.equal(response.statusCode, 422);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(
        textOf(response.body, 'application_icon_errors'),
        'The icon must be a PNG, JPEG, GIF or WebP picture (SVG is not accepted).',
      );
      const described = 'aria-describedby="application_icon_hint application_icon_errors" aria-invalid="true"';
      assert.ok(response.body.includes(described));
      assert.match(response.body, /<p class="notice error" role="alert">Please correct the errors below\.<\/p>/);
      // The form comes back with what was typed.
      assert.match(response.body, /id="application_name" name="name" required maxlength="255" value="Renamed"/);
      assert.equal((await stored())?.name, 'Anime tracker');
      assert.equal((await stored())?.iconVersion, undefined);
      assert.equal(await storedIcon(), undefined);
      assert.equal((await alice.get(iconPath())).statusCode, 404);
    });
  }

  it('takes an icon of exactly 256 KiB and refuses one byte more with 413, in the reader’s language', async () => {
    const largest = Buffer.concat([PNG, Buffer.alloc(ICON_MAX_BYTES - PNG.length)]);
    const page = await bob.get(edit(), en);
    assert.equal((await submitEdit(bob, page.body, { bytes: largest })).statusCode, 303);
    assert.equal((await stored())?.iconVersion, iconVersion(largest));

    const tooLarge = Buffer.concat([PNG, Buffer.alloc(ICON_MAX_BYTES + 1 - PNG.length)]);
    const again = await bob.get(edit(), en);
    const response = await submitEdit(bob, again.body, { bytes: tooLarge, changes: { name: 'Renamed' } });
    assert.equal(response.statusCode, 413);
    assert.equal(
      textOf(response.body, 'application_icon_errors'),
      'The icon is larger than 256 KiB. Choose a smaller picture.',
    );
    assert.equal((await stored())?.name, 'Anime tracker');
    assert.equal((await stored())?.iconVersion, iconVersion(largest));
    // Much larger (1 MiB), in Russian.
    const huge = Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]);
    const russian = await submitEdit(bob, again.body, { bytes: huge, headers: ru });
    assert.equal(russian.statusCode, 413);
    assert.equal(textOf(russian.body, 'application_icon_errors'), 'Иконка больше 256 КиБ. Выбери картинку поменьше.');
    assert.deepEqual(Buffer.from((await storedIcon())?.bytes ?? []), largest);
  });

  it('removes the icon: the pages draw one from the name again, and the route is a 404', async () => {
    const page = await bob.get(edit(), en);
    assert.equal((await submitEdit(bob, page.body, { bytes: PNG })).statusCode, 303);
    const again = await bob.get(edit(), en);
    const removed = await submitEdit(bob, again.body, { changes: { icon_remove: '1' } });
    assert.equal(removed.statusCode, 303);
    assert.equal((await stored())?.iconVersion, undefined);
    assert.equal(await storedIcon(), undefined);
    const show = await alice.get(`/oauth/applications/${app.application.id}`, en);
    assert.doesNotMatch(show.body, /class="icon uploaded"/);
    const drawn = /<div class="titled"><img class="icon" src="data:image\/svg\+xml;base64,[\w+/=]+" width="48"/;
    assert.match(show.body, drawn);
    const gone = await alice.get(`${iconPath()}?v=${iconVersion(PNG)}`, en);
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal((await bob.get(edit(), en)).body.includes('application_icon_remove'), false);
  });

  it('lets no one but the owner (or an administrator) upload', async () => {
    const page = await bob.get(edit(), en);
    const carol = await t.browserFor('carol');
    // Carol posts Bob's form with her own session and CSRF token.
    const own = await carol.get('/oauth/applications/new', en);
    const csrf = formFields(own.body, 'application').fields.find(([name]) => name === '_csrf')?.[1] ?? '';
    const response = await submitEdit(carol, page.body, { bytes: PNG, changes: { _csrf: csrf } });
    assert.equal(response.statusCode, 403);
    assert.equal(await storedIcon(), undefined);
    assert.equal((await carol.get(edit(), en)).statusCode, 403);
    // Signed out: sent to sign in, nothing stored.
    const guest = new Browser(t.server);
    const signedOut = await submitEdit(guest, page.body, { bytes: PNG });
    assert.equal(signedOut.statusCode, 403, 'no CSRF cookie');
    assert.equal(await storedIcon(), undefined);
    const root = await t.createUser('root', { admin: true });
    assert.ok(root.admin);
    const admin = await t.browserFor('root');
    const adminPage = await admin.get(edit(), en);
    assert.equal((await submitEdit(admin, adminPage.body, { bytes: PNG })).statusCode, 303);
    assert.equal((await stored())?.iconVersion, iconVersion(PNG));
  });

  it('enforces CSRF and the same-origin check on the multipart form', async () => {
    const page = await bob.get(edit(), en);
    const missing = await submitEdit(bob, page.body, { bytes: PNG, changes: { _csrf: null } });
    assert.equal(missing.statusCode, 403);
    const wrong = await submitEdit(bob, page.body, { bytes: PNG, changes: { _csrf: 'forged' } });
    assert.equal(wrong.statusCode, 403);
    const crossSite = await submitEdit(bob, page.body, { bytes: PNG, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.statusCode, 403);
    assert.equal(await storedIcon(), undefined);
    assert.equal((await stored())?.iconVersion, undefined);
  });

  it('takes files on the edit form only: elsewhere a file is refused, and the form is not saved', async () => {
    const page = await bob.get('/oauth/applications/new', en);
    const parts: Part[] = formFields(page.body, 'application').fields.map(([name, value]) => ({ name, value }));
    parts.push({ name: 'name', value: 'With a file' });
    parts.push({ name: 'icon', filename: 'a.png', type: 'image/png', bytes: PNG });
    const response = await bob.request({
      method: 'POST',
      url: '/oauth/applications',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...en },
      payload: multipartBody(parts),
    });
    assert.equal(response.statusCode, 413);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal((await t.stores.applications.listAll(100)).some((a) => a.name === 'With a file'), false);
    // Two files on the edit form: refused as well.
    const edited = await bob.get(edit(), en);
    const fields = formFields(edited.body, 'application').fields.filter(([name]) => name !== 'icon');
    const twoFiles: Part[] = [
      ...fields.map(([name, value]) => ({ name, value })),
      { name: 'icon', filename: 'a.png', type: 'image/png', bytes: PNG },
      { name: 'icon', filename: 'b.png', type: 'image/png', bytes: PNG },
    ];
    const refused = await bob.request({
      method: 'POST',
      url: `/oauth/applications/${app.application.id}`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...en },
      payload: multipartBody(twoFiles),
    });
    assert.equal(refused.statusCode, 413);
    assert.equal(await storedIcon(), undefined);
  });

  it('answers text where the file belongs with 400, never a 500', async () => {
    const page = await bob.get(edit(), en);
    const form = formFields(page.body, 'application');
    const parts: Part[] = form.fields.filter(([name]) => name !== 'icon').map(([name, value]) => ({ name, value }));
    parts.push({ name: 'icon', value: '<svg/>' });
    const response = await bob.request({
      method: 'POST',
      url: form.action,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...en },
      payload: multipartBody(parts),
    });
    assert.equal(response.statusCode, 400);
    assert.equal(await storedIcon(), undefined);
  });

  it('still saves the edit form sent urlencoded (no icon), as before', async () => {
    const page = await bob.get(edit(), en);
    const fields = formFields(page.body, 'application').fields.map(([name, value]): [string, string] =>
      name === 'name' ? [name, 'Plain form'] : [name, value],
    );
    const saved = await bob.post(`/oauth/applications/${app.application.id}`, fields, en);
    assert.equal(saved.statusCode, 303);
    assert.equal((await stored())?.name, 'Plain form');
  });

  it('answers an icon path without an application or an icon with the 404 page', async () => {
    for (const path of ['/oauth/applications/999999/icon', '/oauth/applications/abc/icon', iconPath()]) {
      const response = await alice.get(path, en);
      assert.equal(response.statusCode, 404, path);
    }
  });
});
