import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from '../../src/http/log-redaction.js';

describe('redactUrl: what a log line may show of a request URL', () => {
  it('redacts secret query values and keeps the rest as sent', () => {
    assert.equal(
      redactUrl('/api/users/whoami?access_token=abc&x=1&bearer_token=def'),
      '/api/users/whoami?access_token=[REDACTED]&x=1&bearer_token=[REDACTED]',
    );
    assert.equal(redactUrl('/cb?code=abc&state=s%20t'), '/cb?code=[REDACTED]&state=s%20t');
    assert.equal(redactUrl('/x?%63ode=abc'), '/x?%63ode=[REDACTED]', 'a percent-encoded name is still the name');
  });

  it("redacts the code in the out-of-band page's path", () => {
    assert.equal(redactUrl('/oauth/authorize/Abc-123_xyz'), '/oauth/authorize/[REDACTED]');
    assert.equal(redactUrl('/oauth/authorize?client_id=c'), '/oauth/authorize?client_id=c');
  });

  it('redacts a code carried inside return_to (the language switch on the code page)', () => {
    const url = `/locale?to=en&return_to=${encodeURIComponent('/oauth/authorize/SECRETCODE')}`;
    assert.equal(redactUrl(url), `/locale?to=en&return_to=${encodeURIComponent('/oauth/authorize/[REDACTED]')}`);
    assert.ok(!redactUrl(url).includes('SECRETCODE'));
    const inQuery = `/users/sign_in?return_to=${encodeURIComponent('/x?access_token=SECRET')}`;
    assert.ok(!redactUrl(inQuery).includes('SECRET'));
  });

  it('redacts a return_to it cannot decode rather than print it', () => {
    assert.equal(redactUrl('/locale?return_to=%E0%A4%A'), '/locale?return_to=[REDACTED]');
  });
});
