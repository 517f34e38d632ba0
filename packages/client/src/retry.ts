/**
 * How 429 answers (RFC 6585 §4) are retried.
 *
 * @example
 * ```ts
 * createClient({ ..., retry: { retries: 5, maxDelayMs: 30_000, baseDelayMs: 500 } });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt; default 3. 0 turns retrying off. */
  retries?: number;
  /** The longest single wait, in ms; an answer asking for more (Retry-After) is returned instead. Default 60 000. */
  maxDelayMs?: number;
  /** The first back-off when the server gives no Retry-After, doubled each time; default 1 000 ms. */
  baseDelayMs?: number;
}

/**
 * Retry-After (RFC 9110 §10.2.3) in ms: delay-seconds or an HTTP date; undefined when absent or unreadable.
 *
 * @example
 * ```ts
 * retryAfterMs(new Headers({ 'retry-after': '2' })); // 2000
 * ```
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before retry number `attempt` (0 for the first) without Retry-After (RFC 9110 §10.2.3): exponential
 * back-off with full jitter (a random wait up to base × 2^attempt), so that clients that failed together do not
 * return together.
 *
 * @example
 * ```ts
 * backoffMs(2, 1000); // somewhere in [0, 4000)
 * ```
 */
export function backoffMs(attempt: number, baseDelayMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * baseDelayMs * 2 ** attempt);
}

/**
 * What {@link sendWithRetry} uses to send and wait on 429 (RFC 6585 §4); replaceable in tests.
 *
 * @example
 * ```ts
 * const deps: RetryDeps = { fetch: (r) => fetch(r), sleep: (ms) => delay(ms), now: Date.now };
 * ```
 */
export interface RetryDeps {
  fetch: (request: Request) => Promise<Response>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random?: () => number;
  /** Called before every attempt (the client-side limiter). */
  beforeAttempt?: () => Promise<void>;
}

/**
 * Sends a request, and on 429 Too Many Requests (RFC 6585 §4) waits and sends it again: Retry-After when given,
 * else {@link backoffMs}. The last answer is returned as it is when the retries run out, or when the server asks
 * for a longer wait than `maxDelayMs` (a back-off of its own is cut to that bound). Each attempt sends a clone, so
 * a body can be sent again.
 *
 * @example
 * ```ts
 * const response = await sendWithRetry(new Request(url), { retries: 2 }, {
 *   fetch: (r) => fetch(r), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), now: Date.now,
 * });
 * ```
 */
export async function sendWithRetry(request: Request, options: RetryOptions, deps: RetryDeps): Promise<Response> {
  const retries = options.retries ?? 3;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const base = options.baseDelayMs ?? 1000;
  for (let attempt = 0; ; attempt++) {
    await deps.beforeAttempt?.();
    const response = await deps.fetch(attempt < retries ? request.clone() : request);
    if (response.status !== 429 || attempt >= retries) return response;
    const asked = retryAfterMs(response.headers, deps.now());
    if (asked !== undefined && asked > maxDelay) return response;
    const wait = asked ?? Math.min(maxDelay, backoffMs(attempt, base, deps.random));
    await response.body?.cancel();
    await deps.sleep(wait);
  }
}
