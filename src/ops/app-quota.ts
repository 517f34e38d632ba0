import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Redis } from 'ioredis';
import type { ApplicationQuota } from '../core/model.js';
import type { RedisFallback } from './fallback.js';
import { RedisQuotaCounter } from './redis-app-quota.js';

/**
 * Per-application request quotas (security.md, "Per-application quotas"; beyond Shikimori): every API request
 * made with an application's token counts against the quota an administrator gave that application, per minute
 * and per day. The windows are fixed and aligned on the clock (a minute starts at :00, a day at 00:00 UTC), so every
 * process, and Redis, agrees on which window a request falls in, and a window's end is known without storing it.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's token's application and its quota, when it has one (set by the API's bearer check). */
    applicationQuota?: { applicationId: number; quota: ApplicationQuota };
  }
}

export interface QuotaWindow {
  /** The policy's name in RateLimit-Policy and RateLimit. */
  name: 'per-minute' | 'per-day';
  limit: number;
  seconds: number;
}

export function quotaWindows(quota: ApplicationQuota): QuotaWindow[] {
  return [
    ...(quota.perMinute !== null ? [{ name: 'per-minute' as const, limit: quota.perMinute, seconds: 60 }] : []),
    ...(quota.perDay !== null ? [{ name: 'per-day' as const, limit: quota.perDay, seconds: 86_400 }] : []),
  ];
}

/** One window as counted for a request. */
export interface WindowCount {
  /** Requests counted in the window, this one included when it was allowed. */
  used: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

export interface QuotaCount {
  /** False when some window was already full: the request is refused, and counted in no window. */
  allowed: boolean;
  /** In the order of the windows asked about. */
  windows: WindowCount[];
}

/** Where requests are counted: this process's memory, or Redis shared by every process. */
export interface QuotaCounter {
  /**
   * Counts one request of this application in every window, if none of them is full; in one step, so concurrent
   * requests never both take a window's last place.
   */
  take(applicationId: number, windows: readonly QuotaWindow[], now: number): Promise<QuotaCount>;
}

/** The window a time falls in, and when it ends. */
export function windowAt(window: QuotaWindow, now: number): { index: number; endsAt: number } {
  const ms = window.seconds * 1000;
  const index = Math.floor(now / ms);
  return { index, endsAt: (index + 1) * ms };
}

/** Counts in this process's memory: one entry per application and window length, replaced when a window ends. */
export class MemoryQuotaCounter implements QuotaCounter {
  private readonly counts = new Map<string, { index: number; used: number }>();

  async take(applicationId: number, windows: readonly QuotaWindow[], now: number): Promise<QuotaCount> {
    const current = windows.map((w) => {
      const { index, endsAt } = windowAt(w, now);
      const key = `${applicationId}:${w.seconds}`;
      const entry = this.counts.get(key);
      return { key, index, resetMs: endsAt - now, used: entry?.index === index ? entry.used : 0 };
    });
    const allowed = current.every((c, i) => c.used < windows[i]!.limit);
    if (allowed) {
      for (const c of current) this.counts.set(c.key, { index: c.index, used: ++c.used });
    }
    return { allowed, windows: current.map((c) => ({ used: c.used, resetMs: c.resetMs })) };
  }
}

/** Seconds as the headers give them: whole, rounded up, so that a client waiting that long finds the window over. */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The answer's quota headers, after draft-ietf-httpapi-ratelimit-headers-12 (the fields' syntax since -08): a List
 * of the policies, each a String naming it with `q` (the quota) and `w` (the window, seconds), and, in RateLimit,
 * each with `r` (what remains) and `t` (seconds until the window ends).
 */
export function quotaHeaders(windows: readonly QuotaWindow[], count: QuotaCount): Record<string, string> {
  return {
    'ratelimit-policy': windows.map((w) => `"${w.name}";q=${w.limit};w=${w.seconds}`).join(', '),
    ratelimit: windows
      .map((w, i) => {
        const c = count.windows[i]!;
        return `"${w.name}";r=${Math.max(0, w.limit - c.used)};t=${seconds(c.resetMs)}`;
      })
      .join(', '),
  };
}

/** When a refused request may be made again: once every full window has ended. */
export function retryAfter(windows: readonly QuotaWindow[], count: QuotaCount): number {
  const full = count.windows.filter((c, i) => c.used >= windows[i]!.limit).map((c) => seconds(c.resetMs));
  return Math.max(1, ...full);
}

/**
 * The refusal past the quota: 429 with Retry-After, in the shape of Shikimori's other API errors
 * (`{"message":…,"code":…}`, compatibility.md §5), so that a client reading `message` shows something sensible.
 * The per-address limit's plain-text `Retry later` stays as Shikimori's; this one is Monban's own.
 */
export const QUOTA_EXCEEDED_BODY = { message: 'Application request quota exceeded', code: 429 };

export interface AppQuotaOptions {
  now: () => number;
  /** MONBAN_REDIS_URL's connection: counts shared by every process, in memory while it fails. */
  redis?: { client: Redis; fallback: RedisFallback } | undefined;
}

/**
 * The API's quota check, a preHandler after the bearer check: a request whose token's application has a quota is
 * counted, answered with RateLimit-Policy and RateLimit, and refused with 429 once a window is full. Requests
 * without a token, or whose application has no quota, are not counted and carry no such headers.
 */
export function applicationQuotaGuard(options: AppQuotaOptions) {
  const local = new MemoryQuotaCounter();
  const shared = options.redis && new RedisQuotaCounter(options.redis.client);
  const take = (applicationId: number, windows: readonly QuotaWindow[], now: number): Promise<QuotaCount> =>
    shared && options.redis
      ? options.redis.fallback.run(
          'to count an application quota',
          () => shared.take(applicationId, windows, now),
          () => local.take(applicationId, windows, now),
        )
      : local.take(applicationId, windows, now);

  // A callback hook: most API requests have no quota, and an async hook would cost each of them a promise.
  return function checkApplicationQuota(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const found = request.applicationQuota;
    if (found === undefined) return done();
    const windows = quotaWindows(found.quota);
    if (windows.length === 0) return done();
    take(found.applicationId, windows, options.now()).then((count) => {
      reply.headers(quotaHeaders(windows, count));
      if (count.allowed) return done();
      void reply
        .code(429)
        .headers({ 'retry-after': String(retryAfter(windows, count)), 'cache-control': 'no-store' })
        .type('application/json; charset=utf-8')
        .send(QUOTA_EXCEEDED_BODY);
    }, done);
  };
}
