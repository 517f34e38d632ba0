/** Issue 9: "nicknames that look alike (`ａｌｉｃｅ`, Cyrillic `аlice`) register beside `alice`". */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LEGACY_KEY_PREFIX, legacyNicknameKey, nicknameKey } from '../../src/core/nickname-key.js';

/** What registration accepts (accounts/accounts.ts), one character at a time. */
const NICKNAME_CHARACTER = /^[\p{L}\p{N}_.-]$/u;

describe('nicknameKey: nicknames that look alike share a key', () => {
  it('folds width, case and confusable characters', () => {
    const alice = nicknameKey('alice');
    for (const lookalike of ['ａｌｉｃｅ', '\u0430lice', 'ALICE', 'Alice', 'ＡＬＩＣＥ', '\u0430l\u0456\u0441\u0435']) {
      assert.equal(nicknameKey(lookalike), alice, lookalike);
    }
    assert.equal(nicknameKey('b0b'), nicknameKey('bob'), 'a digit that looks like a letter');
    assert.equal(nicknameKey('straße'), nicknameKey('STRASSE'), 'full case folding');
    assert.equal(nicknameKey('Ｉｖａｎ'), nicknameKey('ivan'));
  });

  it('keeps apart nicknames that do not look alike', () => {
    assert.notEqual(nicknameKey('alice'), nicknameKey('alica'));
    assert.notEqual(nicknameKey('alice'), nicknameKey('alice2'));
    assert.notEqual(nicknameKey('user_1'), nicknameKey('user-1'));
  });

  it('keeps every Russian letter apart, so Cyrillic nicknames stay distinct (in any case)', () => {
    const letters = [...'абвгдеёжзийклмнопрстуфхцчшщъыьэюя'];
    const keys = new Set(letters.map(nicknameKey));
    assert.equal(keys.size, letters.length);
    assert.notEqual(nicknameKey('алиса'), nicknameKey('алина'));
    assert.notEqual(nicknameKey('алёна'), nicknameKey('алена'));
    assert.equal(nicknameKey('Алиса'), nicknameKey('АЛИСА'));
    assert.equal(nicknameKey('алиса'), nicknameKey('алиса'.normalize('NFD')));
  });

  it(`never puts ${LEGACY_KEY_PREFIX} in a key, whatever a nickname holds: a kept old key never blocks anyone`, () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const character = String.fromCodePoint(cp);
      if (!NICKNAME_CHARACTER.test(character)) continue;
      assert.equal(nicknameKey(character).includes(LEGACY_KEY_PREFIX), false, `U+${cp.toString(16)}`);
    }
  });

  it('does not fold a string far longer than any nickname (a 64 KB form field costs no time)', () => {
    const long = 'Ａ'.repeat(64 * 1024);
    assert.equal(nicknameKey(long), long);
    const longest = '\u{1D400}'.repeat(20); // 20 mathematical capitals, two code units each
    assert.equal(nicknameKey(longest), 'a'.repeat(20));
  });

  it('legacyNicknameKey is the key before migration 002: NFC, lower case', () => {
    assert.equal(legacyNicknameKey('ALICE'), 'alice');
    assert.equal(legacyNicknameKey('ａｌｉｃｅ'), 'ａｌｉｃｅ');
    assert.equal(legacyNicknameKey('Алёна'.normalize('NFD')), 'алёна');
  });
});
