/**
 * The router matches a path percent-decoded (`/%61pi/users/whoami` is the API), so whatever answers a request
 * before its route must read the path the same way: an API request answers the API's JSON, however its path was
 * written (found by the fuzz, test/fuzz).
 */
import assert from 'node:assert/strict';
import type { OutgoingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TestMonban } from '../helpers/monban.js';

/** Sent once per value (light-my-request takes an array so; Node's types want one value for `authorization`). */
const twoAuthorizations: OutgoingHttpHeaders = { Authorization: ['Bearer a', 'Bearer b'] };

describe('API paths written percent-encoded', () => {
  let t: TestMonban;

  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  it('two Authorization headers on an encoded API path that no route has: the OAuth JSON refusal, not a page', async () => {
    for (const url of ['/%61pi/users/whoami', '/a%70%69/nope', '/%61%70%69/users/whoami?x=1']) {
      const response = await t.server.inject({
        method: 'PUT',
        url,
        headers: twoAuthorizations,
      });
      assert.equal(response.statusCode, 400, url);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8', url);
      assert.equal(
        response.body,
        JSON.stringify({
          error: 'invalid_request',
          error_description: 'The request carried more than one Authorization header.',
        }),
        url,
      );
    }
  });
});
