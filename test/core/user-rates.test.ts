import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { moscowIso } from '../../src/core/user-rates/moscow-time.js';
import { castInteger, castString, rubyInspect } from '../../src/core/user-rates/ruby.js';
import { railsJson } from '../../src/core/user-rates/serializer.js';
import { textHtml } from '../../src/core/user-rates/text-html.js';
import { nestParams } from '../../src/http/api/nested-params.js';

describe('user_rates: Moscow time', () => {
  it('follows Europe/Moscow at each instant, with milliseconds', () => {
    assert.equal(moscowIso(Date.UTC(2024, 1, 22, 0, 21, 19, 847)), '2024-02-22T03:21:19.847+03:00');
    // Before 2011: +03:00 in winter, +04:00 in summer.
    assert.equal(moscowIso(Date.UTC(2010, 10, 17, 17, 53, 18)), '2010-11-17T20:53:18.000+03:00');
    assert.equal(moscowIso(Date.UTC(2010, 6, 1, 12)), '2010-07-01T16:00:00.000+04:00');
    // 2011-03-27 to 2014-10-26: +04:00 all year.
    assert.equal(moscowIso(Date.UTC(2011, 2, 26, 22, 59, 59, 999)), '2011-03-27T01:59:59.999+03:00');
    assert.equal(moscowIso(Date.UTC(2011, 2, 26, 23)), '2011-03-27T03:00:00.000+04:00');
    assert.equal(moscowIso(Date.UTC(2012, 0, 8, 22, 48, 30)), '2012-01-09T02:48:30.000+04:00');
    assert.equal(moscowIso(Date.UTC(2014, 9, 25, 21, 59, 59)), '2014-10-26T01:59:59.000+04:00');
    assert.equal(moscowIso(Date.UTC(2014, 9, 25, 22)), '2014-10-26T01:00:00.000+03:00');
  });
});

describe('user_rates: Ruby and Rails casts', () => {
  it('casts integers as ActiveModel does', () => {
    assert.deepEqual(
      [null, '', '  ', 'abc', '7.9', ' 12abc', '-3', '1_000', true, false, 7.9, -0.5, Infinity].map((v) =>
        castInteger(v as never),
      ),
      [null, null, null, 0, 7, 12, -3, 1000, 1, 0, 7, -0, null],
    );
    assert.deepEqual([castString(true), castString(false), castString(5), castString(null)], ['t', 'f', '5', null]);
  });

  it('inspects values as Ruby prints them in apipie messages', () => {
    assert.equal(rubyInspect('$bad_format'), '"$bad_format"');
    assert.equal(rubyInspect('a"b\\c\n#{x}'), '"a\\"b\\\\c\\n\\#{x}"');
    assert.equal(rubyInspect('\u0001'), '"\\u0001"');
    assert.equal(rubyInspect(null), 'nil');
    assert.equal(rubyInspect(-1), '-1');
    assert.equal(rubyInspect(1.5), '1.5');
    assert.equal(rubyInspect(['1', 2]), '["1", 2]');
    assert.equal(rubyInspect('日本'), '"日本"');
  });

  it('writes JSON as ActiveSupport does: <, >, & and line separators escaped, other non-ASCII raw', () => {
    assert.equal(
      railsJson({ a: '<a href="x">&</a> 日本 \u2028' }),
      '{"a":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e 日本 \\u2028"}',
    );
  });
});

describe('user_rates: text_html', () => {
  it('strips, escapes, breaks lines and links bare URLs', () => {
    assert.equal(textHtml(null), '');
    assert.equal(textHtml('  \r\n'), '');
    assert.equal(textHtml('a\nb\r\nc'), 'a<br>b<br>c');
    assert.equal(
      textHtml('see https://a.example/x?y=1&z=2, ok'),
      'see <a class="b-link" href="https://a.example/x?y=1&amp;z=2" rel="noopener noreferrer nofollow">' +
        'a.example/x?y=1&amp;z=2</a>, ok',
    );
    assert.equal(
      textHtml(`'q' "http://a.example"`),
      '&#39;q&#39; &quot;<a class="b-link" href="http://a.example" rel="noopener noreferrer nofollow">' +
        'a.example</a>&quot;',
    );
  });
});

describe('user_rates: nested parameters', () => {
  it('nests Rack names, keeps the last of repeated ones, drops prototype names', () => {
    assert.deepEqual(nestParams({ 'user_rate[status]': 'watching', 'user_rate[score]': ['1', '2'], x: 'y' }), {
      user_rate: { status: 'watching', score: '2' },
      x: 'y',
    });
    assert.deepEqual(nestParams({ 'ids[]': ['1', '2'], 'a[b][c]': '1' }), { ids: ['1', '2'], a: { b: { c: '1' } } });
    assert.deepEqual(nestParams({ '__proto__[x]': '1', 'a[__proto__]': '1' }), { a: {} });
    assert.deepEqual(nestParams(undefined), {});
  });
});
