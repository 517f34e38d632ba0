/**
 * Paths Fastify refuses before any route runs (not UTF-8 once percent-decoded, a parameter over the router's
 * length limit) get what a path matching no route gets: the 404 page, or the API's 404 JSON, never Fastify's own
 * JSON echoing the path (found by the fuzz, test/fuzz).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestMonban } from '../helpers/monban.js';

describe('paths the router cannot read', () => {
  let t: TestMonban;

  before(async () => {
    t = await TestMonban.start();
  });
  after(() => t.close());

  for (const url of [
    '/%FF',
    '/oauth/authorize/CODE%C3%28',
    '/oauth/applications/%ED%A0%80/edit',
    `/oauth/authorize/${'x'.repeat(5000)}`,
  ]) {
    it(`GET ${url.slice(0, 40)}: the "Page not found" page, 404, without the path`, async () => {
      const response = await t.server.inject({ method: 'GET', url, headers: { 'accept-language': 'en' } });
      assert.equal(response.statusCode, 404);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.match(response.body, /^<!doctype html>/);
      assert.match(response.body, /<h1[^>]*>Page not found<\/h1>/);
      assert.ok(!response.body.includes('CODE') && !response.body.includes('xxxxx'), response.body);
    });
  }

  it('under /api/: the API\'s 404 JSON (Shikimori\'s shape), in the language asked', async () => {
    for (const [language, message] of [
      ['en', 'Page not found'],
      ['ru', 'Страница не найдена'],
    ] as const) {
      const response = await t.server.inject({
        method: 'GET',
        url: '/api/users/%FF',
        headers: { 'accept-language': language },
      });
      assert.equal(response.statusCode, 404);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(response.body, JSON.stringify({ message, code: 404 }));
    }
  });
});
