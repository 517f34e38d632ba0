import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { concrete, requestSpec, type ConcreteRequest } from './requests.js';
import { FuzzWorld } from './world.js';

/** Fixed, so that a failure replays; the time limit only cuts the run short on a slow machine, never fails it. */
const SEED = 20_260_907;
const RUNS = 1500;
const TIME_LIMIT_MS = 25_000;

/** The failed assertion in fast-check's report, not only the counterexample. */
const includeErrorInReport = true;

const OAUTH_ENDPOINTS = new Set(['/oauth/token', '/oauth/revoke', '/oauth/introspect']);

/** A stack frame (`at fn (/path/file.js:1:2)`), or a path into Monban's own sources or build. */
const STACK_FRAME = /^\s*at .+:\d+:\d+\)?$/m;
const SOURCE_PATH = /(?:^|[\s"'(/])(?:src|dist|node_modules)\/[\w./-]+\.[cm]?[jt]s\b/;

/** What every answer must be, whatever was asked. */
function checkAnswer(request: ConcreteRequest, response: LightMyRequestResponse, world: FuzzWorld): void {
  const { method, url } = request.options;
  const where = `${method} ${url.slice(0, 300)} → ${response.statusCode}`;
  assert.deepEqual(world.reported.splice(0), [], `${where}: the server reported an error`);
  assert.ok(response.statusCode < 500, `${where}: ${response.body.slice(0, 500)}`);
  assert.doesNotMatch(response.body, STACK_FRAME, `${where}: a stack trace in the body`);
  assert.doesNotMatch(response.body, SOURCE_PATH, `${where}: a source path in the body`);
  if (method === 'POST' && request.route !== undefined && OAUTH_ENDPOINTS.has(request.route.path)) {
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8', where);
    if (response.statusCode !== 200) {
      const body = JSON.parse(response.body) as { error?: unknown };
      assert.equal(typeof body.error, 'string', `${where}: ${response.body.slice(0, 300)}`);
    }
  }
  assert.deepEqual(world.leaksSinceLastCheck(), [], `${where}: a secret in the log`);
}

/**
 * Issue 9: hostile and malformed requests to every route (methods, paths, query strings, headers, bodies of any
 * shape) never answer 5xx, never show a stack trace, keep the OAuth endpoints' JSON error shape, never put a code,
 * token, secret or password in the log, and a HEAD adds nothing to the database.
 */
describe('fuzz: every route of the server', () => {
  let world: FuzzWorld;

  before(async () => {
    world = await FuzzWorld.start();
  });
  after(() => world.close());

  it('finds every route, from the server itself', () => {
    const paths = world.routes.map((r) => `${r.methods.join(',')} ${r.path}`);
    for (const expected of ['POST /oauth/token', 'GET,HEAD /oauth/authorize/:code', 'GET,HEAD /api/users/whoami']) {
      assert.ok(paths.includes(expected), `${expected} not in ${paths.join('; ')}`);
    }
    assert.ok(world.routes.length >= 25, paths.join('; '));
  });

  it('answers every request with no 5xx, no stack trace, OAuth JSON errors and nothing secret in the log', async () => {
    await fc.assert(
      fc.asyncProperty(requestSpec, async (spec) => {
        const request = concrete(world, spec);
        const head = request.options.method === 'HEAD';
        const rowsBefore = head ? await world.rowCounts() : undefined;
        const response = await world.t.server.inject(request.options);
        world.harvest(response);
        checkAnswer(request, response, world);
        if (rowsBefore) assert.deepEqual(await world.rowCounts(), rowsBefore, `HEAD ${request.options.url} wrote`);
        await world.keepSignedIn();
      }),
      // endOnFailure: shrinking would replay requests against a server the failing one already changed.
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, endOnFailure: true, includeErrorInReport },
    );
  });
});
