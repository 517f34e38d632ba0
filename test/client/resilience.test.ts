/**
 * @monban/client on its own: option checks (TypeError with a code), 429 back-off against a tiny local server
 * answering 429 with and without Retry-After, the client-side limiter, the token stores, and the Web Lock taken
 * around a refresh.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ClientUsageError,
  RateLimiter,
  ResponseError,
  backoffMs,
  createClient,
  localStorageStore,
  memoryStore,
  retryAfterMs,
  type LockManagerLike,
  type WebStorageLike,
} from '../../packages/client/src/index.js';
import { fileStore } from '../../packages/client/src/file-store.js';
import { jsonResponse } from './responses.js';

const OPTIONS = { baseUrl: 'http://127.0.0.1:1', clientId: 'c', userAgent: 'Test/1.0', server: 'shikimori' as const };

describe('createClient checks its options', () => {
  it('throws a TypeError with a code for each missing option', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...OPTIONS, baseUrl: undefined }, 'base_url_required'],
      [{ ...OPTIONS, baseUrl: 'ftp://x' }, 'base_url_invalid'],
      [{ ...OPTIONS, clientId: '' }, 'client_id_required'],
      [{ ...OPTIONS, userAgent: ' ' }, 'user_agent_required'],
    ];
    for (const [options, code] of cases) {
      assert.throws(
        () => createClient(options as never),
        (err: unknown) => err instanceof TypeError && (err as ClientUsageError).code === code,
        code,
      );
    }
  });

  it('misuse after creation is a TypeError with a code too', async () => {
    const client = createClient(OPTIONS);
    const code = (c: string) => (err: unknown) => err instanceof TypeError && (err as ClientUsageError).code === c;
    await assert.rejects(client.authorizationUrl(), code('redirect_uri_required'));
    await assert.rejects(client.handleCallback('http://app/cb?code=x&state=y'), code('no_pending_authorization'));
    await assert.rejects(client.fetch('/api/users/whoami'), code('not_signed_in'));
    await assert.rejects(
      client.signInWithDevice(() => undefined),
      code('device_grant_unsupported'),
    );
  });

  it('its methods work detached from the client (const { fetch, whoami } = client)', async () => {
    const storage = memoryStore();
    await storage.set('c:tokens', JSON.stringify({ accessToken: 'a', tokenType: 'Bearer' }));
    const { fetch: apiFetch, whoami } = createClient({
      ...OPTIONS,
      storage,
      fetch: async (request) => jsonResponse(200, { auth: request.headers.get('authorization') }),
    });
    assert.deepEqual(await whoami(), { auth: 'Bearer a' });
    assert.equal((await apiFetch('/api/animes')).status, 200);
  });

  it('never sends the token to another origin', async () => {
    const storage = memoryStore();
    await storage.set('c:tokens', JSON.stringify({ accessToken: 'a', tokenType: 'Bearer' }));
    const client = createClient({ ...OPTIONS, storage, fetch: async () => assert.fail('sent') });
    await assert.rejects(
      client.fetch('https://evil.example/steal'),
      (err: unknown) => err instanceof ClientUsageError && err.code === 'invalid_argument',
    );
  });
});

/** A server answering 429 a number of times (with this Retry-After, if any), then 200. */
async function tooManyServer(failures: number, retryAfter?: string) {
  const arrivals: number[] = [];
  const server: Server = createServer((_request: IncomingMessage, response) => {
    arrivals.push(Date.now());
    if (arrivals.length <= failures) {
      response.writeHead(429, {
        'content-type': 'application/json',
        ...(retryAfter ? { 'retry-after': retryAfter } : {}),
      });
      response.end('{"message":"Too many requests"}');
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('429 back-off (RFC 6585 §4)', () => {
  const signedIn = async () => {
    const storage = memoryStore();
    await storage.set('c:tokens', JSON.stringify({ accessToken: 'a', tokenType: 'Bearer' }));
    return storage;
  };

  it('waits Retry-After seconds, then succeeds', async () => {
    const site = await tooManyServer(1, '1');
    try {
      const client = createClient({ ...OPTIONS, baseUrl: site.url, storage: await signedIn() });
      const response = await client.fetch('/api/animes');
      assert.equal(response.status, 200);
      assert.equal(site.arrivals.length, 2);
      const waited = (site.arrivals[1] ?? 0) - (site.arrivals[0] ?? 0);
      assert.ok(waited >= 950 && waited < 3000, `waited ${waited} ms`);
    } finally {
      await site.close();
    }
  });

  it('without Retry-After backs off exponentially with jitter', async () => {
    const site = await tooManyServer(3);
    try {
      const waits: number[] = [];
      const client = createClient({
        ...OPTIONS,
        baseUrl: site.url,
        storage: await signedIn(),
        retry: { retries: 3, baseDelayMs: 40 },
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((resolve) => setTimeout(resolve, ms));
        },
      });
      const response = await client.fetch('/api/animes');
      assert.equal(response.status, 200);
      assert.equal(site.arrivals.length, 4);
      assert.equal(waits.length, 3);
      waits.forEach((ms, attempt) => assert.ok(ms >= 0 && ms < 40 * 2 ** attempt, `wait ${attempt}: ${ms}`));
    } finally {
      await site.close();
    }
  });

  it('returns the 429 when the retries run out, or Retry-After is beyond the bound', async () => {
    const site = await tooManyServer(10, '120');
    try {
      const client = createClient({
        ...OPTIONS,
        baseUrl: site.url,
        storage: await signedIn(),
        retry: { maxDelayMs: 5000 },
      });
      const response = await client.fetch('/api/animes');
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '120');
      assert.equal(site.arrivals.length, 1);
    } finally {
      await site.close();
    }
    const always = await tooManyServer(10);
    try {
      const client = createClient({
        ...OPTIONS,
        baseUrl: always.url,
        storage: await signedIn(),
        retry: { retries: 2, baseDelayMs: 1 },
      });
      assert.equal((await client.fetch('/api/animes')).status, 429);
      assert.equal(always.arrivals.length, 3);
    } finally {
      await always.close();
    }
  });

  it('an OAuth endpoint or whoami still answering 429: ResponseError rate_limited', async () => {
    const site = await tooManyServer(100);
    try {
      const storage = await signedIn();
      await storage.set('c:tokens', JSON.stringify({ accessToken: 'a', tokenType: 'Bearer', refreshToken: 'r' }));
      const client = createClient({ ...OPTIONS, baseUrl: site.url, storage, retry: { retries: 1, baseDelayMs: 1 } });
      const limited = (err: unknown) => err instanceof ResponseError && err.code === 'rate_limited';
      await assert.rejects(client.refresh(), limited);
      await assert.rejects(client.whoami(), limited);
      assert.equal(site.arrivals.length, 4, 'each: the first attempt and one retry');
      assert.equal((await client.tokens())?.refreshToken, 'r', 'a throttled refresh keeps the tokens');
    } finally {
      await site.close();
    }
  });

  it('reads Retry-After as seconds or an HTTP date; back-off stays within base × 2^attempt', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '3' })), 3000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 1970 00:00:10 GMT' }), 4000), 6000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(retryAfterMs(new Headers()), undefined);
    assert.equal(
      backoffMs(3, 1000, () => 0.999),
      7992,
    );
    assert.equal(
      backoffMs(3, 1000, () => 0),
      0,
    );
  });
});

describe('the client-side limiter (Shikimori: 5/s, 90/min)', () => {
  it('lets 5 through at once, the 6th a second after the first', async () => {
    let clock = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      undefined,
      () => clock,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      await limiter.take();
      times.push(clock);
    }
    assert.deepEqual(times, [0, 0, 0, 0, 0, 1000]);
  });

  it('never lets 91 requests into one minute', async () => {
    let clock = 0;
    const limiter = new RateLimiter(
      undefined,
      () => clock,
      async (ms) => void (clock += ms),
    );
    const times: number[] = [];
    for (let i = 0; i < 91; i++) {
      await limiter.take();
      times.push(clock);
    }
    assert.ok((times[90] ?? 0) - (times[0] ?? 0) >= 60_000, `91st at ${times[90]}`);
    assert.ok((times[89] ?? 0) < 60_000);
  });

  it('is used by the client when asked', async () => {
    let clock = 0;
    const sentAt: number[] = [];
    const storage = memoryStore();
    await storage.set('c:tokens', JSON.stringify({ accessToken: 'a', tokenType: 'Bearer' }));
    const client = createClient({
      ...OPTIONS,
      storage,
      rateLimit: [{ limit: 2, windowMs: 1000 }],
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
      fetch: async () => {
        sentAt.push(clock);
        return jsonResponse(200, {});
      },
    });
    await Promise.all([1, 2, 3, 4, 5].map(() => client.fetch('/api/animes')));
    assert.deepEqual(sentAt, [0, 0, 1000, 1000, 2000]);
  });
});

describe('token stores', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'monban-client-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('memory: get, set, delete', async () => {
    const store = memoryStore();
    assert.equal(await store.get('k'), undefined);
    await store.set('k', 'v');
    assert.equal(await store.get('k'), 'v');
    await store.delete('k');
    assert.equal(await store.get('k'), undefined);
  });

  it('file: one JSON file, mode 0600, written by rename (no temporary file left)', async () => {
    const path = join(dir, 'nested', 'tokens.json');
    const store = fileStore(path);
    assert.equal(await store.get('k'), undefined);
    await Promise.all([store.set('a', '1'), store.set('b', '2'), store.set('c', '3')]);
    await store.delete('b');
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { a: '1', c: '3' });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'nested')), ['tokens.json']);
    assert.equal(await fileStore(path).get('c'), '3', 'another process reads what was written');
  });

  it('localStorage: under a prefix; a usage error where there is none', async () => {
    const items = new Map<string, string>();
    const fake: WebStorageLike = {
      getItem: (k) => items.get(k) ?? null,
      setItem: (k, v) => void items.set(k, v),
      removeItem: (k) => void items.delete(k),
    };
    const store = localStorageStore({ storage: fake, prefix: 'app:' });
    await store.set('k', 'v');
    assert.deepEqual([...items], [['app:k', 'v']]);
    assert.equal(await store.get('k'), 'v');
    await store.delete('k');
    assert.equal(await store.get('k'), null);
    assert.throws(
      () => localStorageStore(),
      (err: unknown) => err instanceof ClientUsageError && err.code === 'storage_unavailable',
    );
  });
});

describe('refreshing across tabs (Web Locks)', () => {
  it('refreshes under the lock, and skips the refresh when another tab already did it', async () => {
    // Two "tabs": two clients sharing one storage (as localStorage is shared) and one lock manager.
    const storage = memoryStore();
    await storage.set('c:tokens', JSON.stringify({ accessToken: 'old', tokenType: 'Bearer', refreshToken: 'r0' }));
    let held: Promise<unknown> = Promise.resolve();
    const lockNames: string[] = [];
    const locks: LockManagerLike = {
      request: <T>(name: string, callback: () => Promise<T>) => {
        lockNames.push(name);
        const run = held.then(callback);
        held = run.catch(() => undefined);
        return run;
      },
    };
    let refreshCount = 0;
    const server = async (request: Request): Promise<Response> => {
      if (new URL(request.url).pathname === '/oauth/token') {
        refreshCount++;
        return jsonResponse(200, {
          access_token: `new${refreshCount}`,
          token_type: 'Bearer',
          refresh_token: `r${refreshCount}`,
        });
      }
      const fresh = request.headers.get('authorization') !== 'Bearer old';
      return fresh ? jsonResponse(200, { ok: true }) : jsonResponse(401, { error: 'invalid_token' });
    };
    const tab = () => createClient({ ...OPTIONS, storage, locks, fetch: server });
    const [a, b] = await Promise.all([tab().fetch('/api/x'), tab().fetch('/api/x')]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(refreshCount, 1);
    assert.deepEqual(lockNames, ['monban-refresh:http://127.0.0.1:1:c', 'monban-refresh:http://127.0.0.1:1:c']);
    assert.equal(JSON.parse((await storage.get('c:tokens')) ?? '').refreshToken, 'r1');
  });
});
