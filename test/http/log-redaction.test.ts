import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactText, redactUrl } from '../../src/http/log-redaction.js';

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

  it('redacts a password reset link\'s token, in its page\'s address and inside return_to', () => {
    const TOKEN = 'Rst0ken-abcdefghijklmnopqrstuvwxyz012345678';
    assert.equal(
      redactUrl(`/users/password/edit?reset_password_token=${TOKEN}`),
      '/users/password/edit?reset_password_token=[REDACTED]',
    );
    const nested = `/locale?to=en&return_to=${encodeURIComponent(`/users/password/edit?reset_password_token=${TOKEN}`)}`;
    assert.ok(!redactUrl(nested).includes(TOKEN), redactUrl(nested));
    assert.ok(!redactUrl(`/users/password/edit?RESET_PASSWORD_TOKEN=${TOKEN}`).includes(TOKEN));
  });

  it('redacts a return_to it cannot decode rather than print it', () => {
    assert.equal(redactUrl('/locale?return_to=%E0%A4%A'), '/locale?return_to=[REDACTED]');
  });
});

/** Issue 9: codes reached the log when the path was percent-encoded or the code page was nested two levels deep. */
describe('redactUrl: the code page however it is spelled, and URLs nested at any depth (issue 9)', () => {
  const CODE = 'Sx7fQ2-kLm_9';
  const leaks = (url: string) => redactUrl(url).includes(CODE);

  it('reads the path decoded: a percent-encoded code page path is still the code page', () => {
    assert.equal(redactUrl(`/oauth/%61uthorize/${CODE}`), '/oauth/authorize/[REDACTED]');
    assert.equal(redactUrl(`/%6F%61%75%74%68/%61%75%74%68%6F%72%69%7A%65/${CODE}`), '/oauth/authorize/[REDACTED]');
    assert.equal(redactUrl(`/oauth/authorize%2F${CODE}`), '/oauth/authorize/[REDACTED]');
    assert.equal(redactUrl(`/oauth/%2561uthorize/${CODE}`), '/oauth/authorize/[REDACTED]', 'decoded until stable');
  });

  it('matches any case, doubled slashes, `;` parameters, dot segments and a trailing slash', () => {
    for (const url of [
      `/OAuth/Authorize/${CODE}`,
      `//oauth//authorize//${CODE}`,
      `/oauth/authorize/${CODE}/`,
      `/oauth/authorize;x=1/${CODE}`,
      `/oauth/authorize/${CODE};x=1`,
      `/oauth/./authorize/${CODE}`,
      `/oauth\\authorize\\${CODE}`,
      `/oauth/authorize/${CODE}?locale=en`,
    ]) {
      assert.ok(!leaks(url), `${url} -> ${redactUrl(url)}`);
    }
    assert.equal(redactUrl('/oauth/authorize/'), '/oauth/authorize/', 'the endpoint itself has no code');
  });

  it('redacts a code page nested two levels deep in return_to, each level encoded once more', () => {
    const codePage = `/oauth/authorize/${CODE}`;
    const signIn = `/users/sign_in?return_to=${encodeURIComponent(codePage)}`;
    const url = `/locale?to=ru&return_to=${encodeURIComponent(signIn)}`;
    assert.equal(
      redactUrl(url),
      `/locale?to=ru&return_to=${encodeURIComponent(
        `/users/sign_in?return_to=${encodeURIComponent('/oauth/authorize/[REDACTED]')}`,
      )}`,
    );
  });

  it('redacts at any depth, and a secret parameter as well as a code page, however encoded', () => {
    let url = `/oauth/authorize/${CODE}`;
    for (let depth = 0; depth < 5; depth++) url = `/users/sign_in?return_to=${encodeURIComponent(url)}`;
    assert.ok(!leaks(url), redactUrl(url));
    assert.ok(!leaks(`/locale?return_to=${encodeURIComponent(`/api/users/whoami?access_token=${CODE}`)}`));
    // Encoded more than once at one level, or with the nested `?` itself encoded in the path.
    assert.ok(!leaks(`/locale?return_to=%252Fapi%252Fx%253Faccess_token%253D${CODE}`));
    assert.ok(!leaks(`/users/sign_in%3Faccess_token%3D${CODE}`));
    // A parameter other than return_to carrying a URL, and a secret parameter's name in another case.
    assert.ok(!leaks(`/x?next=${encodeURIComponent(`https://monban.example/oauth/authorize/${CODE}`)}`));
    assert.ok(!leaks(`/api/users/whoami?Access_Token=${CODE}`));
    assert.ok(!leaks(`/x?%2563ode=${CODE}`));
  });

  it('redacts what it cannot decode, or what is nested or encoded past its bounds, whole', () => {
    assert.equal(redactUrl(`/oauth/authorize/${CODE}%E0%A4%A`), '[REDACTED]');
    assert.equal(redactUrl(`/x?state=%E0%A4%A${CODE}`), '/x?state=[REDACTED]');
    assert.equal(redactUrl(`/x?%E0%A4%A=${CODE}`), '/x?[REDACTED]');
    let deep = `/oauth/authorize/${CODE}`;
    for (let depth = 0; depth < 50; depth++) deep = `/a?return_to=${encodeURIComponent(deep)}`;
    assert.ok(!leaks(deep));
    let encoded = `/oauth/authorize/${CODE}`;
    for (let round = 0; round < 20; round++) encoded = encodeURIComponent(encoded);
    assert.ok(!leaks(`/locale?return_to=${encoded}`));
    assert.ok(!leaks(`/${encoded}`));
  });

  it('keeps what needs no redaction as sent', () => {
    const url = '/oauth/authorize?client_id=abc&redirect_uri=https%3A%2F%2Fclient.example%2Fcb&scope=a+b&state=s%20t';
    assert.equal(redactUrl(url), url);
    const plain = '/users/sign_in?return_to=%2Foauth%2Fapplications';
    assert.equal(redactUrl(plain), plain);
    assert.equal(redactUrl('/assets/monban.css'), '/assets/monban.css');
  });
});

describe('redactText: free text quoting a URL (Fastify\'s own messages)', () => {
  it('redacts each URL in it', () => {
    assert.equal(
      redactText('Reply was already sent, did you forget to "return reply" in "/oauth/%61uthorize/abc" (GET)?'),
      'Reply was already sent, did you forget to "return reply" in "/oauth/authorize/[REDACTED]" (GET)?',
    );
    assert.equal(
      redactText('Route GET:/api/users/whoami?access_token=abc not found'),
      'Route GET:/api/users/whoami?access_token=[REDACTED] not found',
    );
    assert.equal(redactText('request completed'), 'request completed');
    const frame = '    at handler (file:///srv/monban/dist/src/http/routes/authorize.js:95:12)';
    assert.equal(redactText(frame), frame);
  });
});
