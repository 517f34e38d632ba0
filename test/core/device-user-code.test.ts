/** The user code of the device authorization grant (RFC 8628 §6.1), as a pure rule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatUserCode,
  newUserCode,
  normalizeUserCode,
  USER_CODE_ALPHABET,
} from '../../src/core/device/user-code.js';

describe('user codes (RFC 8628 §6.1)', () => {
  it('are 8 letters of an alphabet without vowels or look-alikes, every letter drawn', () => {
    assert.equal(USER_CODE_ALPHABET, 'BCDFGHJKLMNPQRSTVWXZ');
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const code = newUserCode();
      assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      for (const letter of code) seen.add(letter);
    }
    assert.equal(seen.size, USER_CODE_ALPHABET.length);
  });

  it('are shown as XXXX-XXXX', () => {
    assert.equal(formatUserCode('WDJBMJHT'), 'WDJB-MJHT');
  });

  it('are compared in upper case, without the dash or spaces', () => {
    for (const typed of ['WDJB-MJHT', 'wdjb-mjht', 'WDJBMJHT', ' wdjb mjht ', 'Wd-Jb-Mj-Ht']) {
      assert.equal(normalizeUserCode(typed), 'WDJBMJHT', typed);
    }
  });

  it('are no code at all with a wrong length or a letter outside the alphabet', () => {
    for (const typed of ['', 'WDJB-MJH', 'WDJB-MJHTT', 'WDJA-MJHT', 'WDJB-MJH1', 'WDJB_MJHT', 'ＷDJB-MJHT']) {
      assert.equal(normalizeUserCode(typed), undefined, typed);
    }
  });
});
