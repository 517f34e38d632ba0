/**
 * The request quota on the application's edit page (issue 12): an administrator sets, changes and clears it; the
 * owner sees it and cannot change it; a quota that cannot be read is shown back next to the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from '../helpers/browser.js';
import { TestMonban, type TestApp } from '../helpers/monban.js';
import { formFields, submitForm, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };

describe('the request quota on the application edit page', () => {
  let t: TestMonban;
  let app: TestApp;
  let owner: Browser;
  let admin: Browser;
  const edit = () => `/oauth/applications/${app.application.id}/edit`;
  const stored = async () => (await t.stores.applications.findById(app.application.id))?.quota;

  before(async () => {
    t = await TestMonban.start();
    const alice = await t.createUser('alice');
    await t.createUser('root', { admin: true });
    app = await t.createApp(alice.id, { name: 'Tracker' });
    owner = await t.browserFor('alice');
    admin = await t.browserFor('root');
  });
  after(() => t.close());

  it('lets an administrator set the quota, and shows it back in the field', async () => {
    const form = await admin.get(edit(), en);
    assert.equal(form.statusCode, 200);
    assert.ok(formFields(form.body, 'application').fields.some(([name, value]) => name === 'quota' && value === ''));
    const saved = await submitForm(admin, form.body, 'application', { quota: '600/min, 50000/day' }, en);
    assert.equal(saved.statusCode, 303);
    assert.deepEqual(await stored(), { perMinute: 600, perDay: 50000 });
    const again = await admin.get(edit(), en);
    const field = formFields(again.body, 'application').fields.find(([name]) => name === 'quota');
    assert.deepEqual(field, ['quota', '600/min,50000/day']);
  });

  it('shows the owner the quota, read-only, and ignores a quota field the owner sends', async () => {
    const form = await owner.get(edit(), en);
    assert.equal(form.statusCode, 200);
    assert.equal(textOf(form.body, 'application_quota'), 'Request quota: 600/min,50000/day');
    assert.ok(!formFields(form.body, 'application').fields.some(([name]) => name === 'quota'));
    const saved = await submitForm(owner, form.body, 'application', { name: 'Tracker 2', quota: 'none' }, en);
    assert.equal(saved.statusCode, 303);
    assert.deepEqual(await stored(), { perMinute: 600, perDay: 50000 });
  });

  it('keeps the quota when an administrator saves a form without the field, and clears it when emptied', async () => {
    const form = await admin.get(edit(), en);
    assert.equal((await submitForm(admin, form.body, 'application', { quota: null }, en)).statusCode, 303);
    assert.deepEqual(await stored(), { perMinute: 600, perDay: 50000 });
    const again = await admin.get(edit(), en);
    assert.equal((await submitForm(admin, again.body, 'application', { quota: '' }, en)).statusCode, 303);
    assert.equal(await stored(), null);
    const page = await owner.get(edit(), en);
    assert.equal(textOf(page.body, 'application_quota'), 'Request quota: none');
  });

  it('answers a quota it cannot read with 422 and the reason next to the field, saving nothing', async () => {
    const form = await admin.get(edit(), en);
    const response = await submitForm(admin, form.body, 'application', { quota: '5/hour', name: 'Renamed' }, en);
    assert.equal(response.statusCode, 422);
    assert.match(response.body, /Quota must be COUNT\/min, COUNT\/day or both, comma-separated; each count 1 to/);
    assert.equal((await t.stores.applications.findById(app.application.id))?.name, 'Tracker 2');
    assert.equal(await stored(), null);
  });
});
