/**
 * Issue 9: "nicknames that look alike (`ａｌｉｃｅ`, Cyrillic `аlice`) register beside `alice`". Nicknames are compared
 * by a key that folds width, case and confusable characters (core/nickname-key.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { secretHash } from '../../src/core/secrets.js';
import { SESSION_COOKIE } from '../../src/http/session.js';
import { Browser } from '../helpers/browser.js';
import { PASSWORD, TestMonban } from '../helpers/monban.js';
import { submitForm, textOf } from './pages-support.js';

const en = { 'accept-language': 'en' };

describe('nicknames that look alike (issue 9)', () => {
  let t: TestMonban;
  before(async () => {
    t = await TestMonban.start();
    await t.createUser('alice');
  });
  after(() => t.close());

  async function signUp(nickname: string) {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_up', en);
    return submitForm(browser, page.body, 'sign_up', { nickname, password: PASSWORD }, en);
  }

  async function nicknames(): Promise<string[]> {
    const query = sql<{ nickname: string }>`select nickname from users order by id`;
    const { rows } = await query.execute(t.monban.database.db);
    return rows.map((r) => r.nickname);
  }

  for (const [label, lookalike] of [
    ['fullwidth', 'ａｌｉｃｅ'],
    ['with a Cyrillic а', '\u0430lice'],
    ['in capitals', 'ALICE'],
    ['Cyrillic letters that look Latin', '\u0430l\u0456\u0441\u0435'],
  ] as const) {
    it(`refuses ${lookalike} (${label}) beside alice, as a taken nickname`, async () => {
      const response = await signUp(lookalike);
      assert.equal(response.statusCode, 422);
      assert.equal(textOf(response.body, 'nickname_errors'), 'This nickname is already taken.');
      assert.deepEqual(await nicknames(), ['alice']);
    });
  }

  it("signs in alice when ａｌｉｃｅ is typed with alice's password", async () => {
    const browser = new Browser(t.server);
    const page = await browser.get('/users/sign_in', en);
    const response = await submitForm(browser, page.body, 'sign_in', { nickname: 'ａｌｉｃｅ', password: PASSWORD }, en);
    assert.equal(response.statusCode, 303);
    const session = browser.cookies.get(SESSION_COOKIE);
    assert.ok(session);
    assert.equal((await t.stores.sessions.findUser(secretHash(session), t.clock.now()))?.nickname, 'alice');
  });

  it('registers Cyrillic nicknames, each apart from the others', async () => {
    for (const nickname of ['алиса', 'алина', 'Алёна', 'алена', 'Вася_pro']) {
      assert.equal((await signUp(nickname)).statusCode, 303, nickname);
    }
    assert.equal((await signUp('АЛИСА')).statusCode, 422);
    assert.deepEqual(await nicknames(), ['alice', 'алиса', 'алина', 'Алёна', 'алена', 'Вася_pro']);
  });
});
