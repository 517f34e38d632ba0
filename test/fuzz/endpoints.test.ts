import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { concrete, requestSpec, type ConcreteRequest } from './requests.js';
import { FuzzWorld } from './world.js';

/**
 * Fixed, so that a failure replays; the time limit only cuts the run short on a slow machine, never fails it.
 * `MONBAN_FUZZ_RUNS=100000` (and `MONBAN_FUZZ_SEED`) run longer, or from elsewhere, with no time limit.
 */
const SEED = Number(process.env.MONBAN_FUZZ_SEED ?? 20_260_907);
const LONG_RUNS = process.env.MONBAN_FUZZ_RUNS === undefined ? undefined : Number(process.env.MONBAN_FUZZ_RUNS);
const RUNS = LONG_RUNS ?? 1500;
const TIME_LIMIT_MS = LONG_RUNS === undefined ? 25_000 : undefined;

/** The failed assertion in fast-check's report, not only the counterexample. */
const includeErrorInReport = true;

/** The endpoints that answer OAuth JSON (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 7662 §2.3, RFC 8628 §3.2). */
const OAUTH_ENDPOINTS = new Set(['/oauth/token', '/oauth/revoke', '/oauth/introspect', '/oauth/device_authorization']);
/** Routes that are not pages: JSON documents, the API, static files, probes and metrics. */
const NOT_PAGES = /^\/(?:api|\.well-known|assets)\/|^\/(?:healthz|readyz|metrics)$/;

/** A stack frame (`at fn (/path/file.js:1:2)`), or a path into Monban's own sources or build. */
const STACK_FRAME = /^\s*at .+:\d+:\d+\)?$/m;
const SOURCE_PATH = /(?:^|[\s"'(/])(?:src|dist|node_modules)\/[\w./-]+\.[cm]?[jt]s\b/;

function jsonObject(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    assert.fail(`${where}: not JSON: ${text.slice(0, 300)}`);
  }
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${where}: ${text.slice(0, 300)}`);
  return value as Record<string, unknown>;
}

/**
 * The documented shape of an error answer: OAuth JSON at the OAuth endpoints (`error`, `error_description`, and
 * `state` when Doorkeeper echoes one: compatibility.md §4), the API's JSON (Doorkeeper's error body, or Shikimori's
 * `{"message", "code"}` 404, or the empty 403 of a missing scope: compatibility.md §5), and an HTML page anywhere
 * a browser goes.
 */
function checkErrorShape(request: ConcreteRequest, response: LightMyRequestResponse, where: string): void {
  const { method } = request.options;
  const path = request.route?.path ?? '';
  const type = String(response.headers['content-type'] ?? '');
  if (method === 'POST' && OAUTH_ENDPOINTS.has(path)) {
    assert.equal(type, 'application/json; charset=utf-8', where);
    assert.equal(response.headers['cache-control'], 'no-store, no-cache', where);
    const body = jsonObject(response.body, where);
    assert.equal(typeof body.error, 'string', `${where}: ${response.body.slice(0, 300)}`);
    assert.equal(typeof body.error_description, 'string', `${where}: ${response.body.slice(0, 300)}`);
    const extra = Object.keys(body).filter((key) => !['error', 'error_description', 'state'].includes(key));
    assert.deepEqual(extra, [], `${where}: ${response.body.slice(0, 300)}`);
    return;
  }
  if (method === 'HEAD') return;
  if (path.startsWith('/api/')) {
    if (response.statusCode === 403 && response.body === '') return;
    assert.equal(type, 'application/json; charset=utf-8', where);
    // The user_rates API's 422s: a bare array of messages on GET, `{"errors":[...]}` otherwise (user-rates.md §7).
    if (response.statusCode === 422 && path.startsWith('/api/v2/user_rates')) {
      const parsed: unknown = JSON.parse(response.body);
      const messages = Array.isArray(parsed) ? parsed : (parsed as { errors?: unknown }).errors;
      assert.ok(Array.isArray(messages) && messages.every((m) => typeof m === 'string'), `${where}: ${response.body}`);
      return;
    }
    const body = jsonObject(response.body, where);
    const oauthError = typeof body.error === 'string' && typeof body.error_description === 'string';
    const notFound = response.statusCode === 404 && typeof body.message === 'string' && body.code === 404;
    // CanCan's refusal of another user's entry (user-rates.md §7).
    const forbidden = response.statusCode === 403 && typeof body.message === 'string' && body.code === 403;
    assert.ok(oauthError || notFound || forbidden, `${where}: ${response.body.slice(0, 300)}`);
    return;
  }
  if (NOT_PAGES.test(path)) return;
  // HEAD /oauth/authorize is 405 with no body (routes/authorize.ts); every other page error is a page.
  assert.match(type, /^text\/html; charset=utf-8$/, `${where}: ${response.body.slice(0, 300)}`);
  assert.match(response.body, /^<!doctype html>/, where);
}

/** What every answer must be, whatever was asked. */
function checkAnswer(request: ConcreteRequest, response: LightMyRequestResponse, world: FuzzWorld): void {
  const { method, url } = request.options;
  const where = `${method} ${url.slice(0, 300)} → ${response.statusCode}`;
  assert.deepEqual(world.reported.splice(0), [], `${where}: the server reported an error`);
  assert.ok(response.statusCode < 500, `${where}: ${response.body.slice(0, 500)}`);
  assert.doesNotMatch(response.body, STACK_FRAME, `${where}: a stack trace in the body`);
  assert.doesNotMatch(response.body, SOURCE_PATH, `${where}: a source path in the body`);
  if (response.statusCode >= 400) checkErrorShape(request, response, where);
  assert.deepEqual(world.leaksSinceLastCheck(), [], `${where}: a secret in the log`);
}

/**
 * Issue 9 and 11: hostile and malformed requests to every route (methods, paths, query strings, headers, bodies of
 * any shape: arbitrary, repeated and bracketed parameters, values that are not strings, huge ones, bytes that are
 * not UTF-8, bodies that are not what their type says), aimed most at the OAuth endpoints (token, revocation,
 * introspection, device authorization), the authorization and device verification pages and their consent form,
 * and the API. Never a 5xx, never a stack trace, an error in its documented shape, nothing secret in the log, and
 * no state change on an error: an answer 4xx creates no code, token, session, consent or device approval (nor
 * does a HEAD, whatever its answer).
 */
describe('fuzz: every route of the server', () => {
  let world: FuzzWorld;

  before(async () => {
    world = await FuzzWorld.start();
  });
  after(() => world.close());

  it('finds every route, from the server itself', () => {
    const paths = world.routes.map((r) => `${r.methods.join(',')} ${r.path}`);
    for (const expected of [
      'POST /oauth/token',
      'POST /oauth/device_authorization',
      'GET,HEAD,POST /oauth/device',
      'GET,HEAD /oauth/device/consent',
      'HEAD,GET,POST,DELETE /oauth/authorize',
      'GET,HEAD /oauth/authorize/:code',
      'GET,HEAD /api/users/whoami',
    ]) {
      assert.ok(paths.includes(expected), `${expected} not in ${paths.join('; ')}`);
    }
    assert.ok(world.routes.length >= 25, paths.join('; '));
  });

  it('answers every request with no 5xx, no stack trace, errors in their shape, no secret logged, no state change on an error', async () => {
    await fc.assert(
      fc.asyncProperty(requestSpec, async (spec) => {
        const request = concrete(world, spec);
        const before = await world.stateCounts();
        const response = await world.t.server.inject(request.options);
        world.harvest(response);
        checkAnswer(request, response, world);
        if (request.options.method === 'HEAD' || (response.statusCode >= 400 && response.statusCode < 500)) {
          const where = `${request.options.method} ${request.options.url.slice(0, 300)} → ${response.statusCode}`;
          assert.deepEqual(await world.stateCounts(), before, `${where} changed what it must not`);
        }
        await world.replenish();
      }),
      // endOnFailure: shrinking would replay requests against a server the failing one already changed.
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, endOnFailure: true, includeErrorInReport },
    );
  });
});
