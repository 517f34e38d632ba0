import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthContext } from '../core/context.js';
import type { User } from '../core/model.js';
import { randomSecret, secretHash } from '../core/secrets.js';

export const SESSION_COOKIE = '_monban_session';
/** @fastify/csrf-protection's cookie (its default name; server.ts registers it): the secret CSRF tokens derive from. */
export const CSRF_COOKIE = '_csrf';
const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

export interface CookiePolicy {
  /** Set when MONBAN_PUBLIC_URL is https. */
  secure: boolean;
}

function cookieOptions(policy: CookiePolicy) {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: policy.secure } as const;
}

/** The session cookie's value: a secret, never logged or stored (only its hash is). */
export function sessionIdOf(request: FastifyRequest): string | undefined {
  return request.cookies[SESSION_COOKIE] || undefined;
}

/** The signed-in user of this request's session cookie, if the session is live. */
export async function currentUser(ctx: OAuthContext, request: FastifyRequest): Promise<User | undefined> {
  const id = sessionIdOf(request);
  if (!id) return undefined;
  return ctx.stores.sessions.findUser(secretHash(id), ctx.now());
}

/**
 * Forgets the CSRF secret, so that tokens handed out before a sign-in or sign-out are refused after it (a token
 * seen by someone else, in a shared browser say, dies with the session it was made for). The next page sets a new
 * one. The cookie options are the ones server.ts registers the plugin with, or the browser would keep the cookie.
 */
function rotateCsrfSecret(reply: FastifyReply, policy: CookiePolicy): void {
  reply.clearCookie(CSRF_COOKIE, cookieOptions(policy));
}

/** A new session id and a new CSRF secret on every sign-in (no fixation); only the session id's hash is stored. */
export async function startSession(
  ctx: OAuthContext,
  request: FastifyRequest,
  reply: FastifyReply,
  user: User,
  policy: CookiePolicy,
): Promise<void> {
  const old = request.cookies[SESSION_COOKIE];
  if (old) await ctx.stores.sessions.delete(secretHash(old));
  const id = randomSecret();
  const now = ctx.now();
  await ctx.stores.sessions.create(secretHash(id), user.id, now, now + SESSION_TTL_MS);
  await ctx.stores.users.touchLastOnline(user.id, now);
  reply.setCookie(SESSION_COOKIE, id, { ...cookieOptions(policy), maxAge: SESSION_TTL_MS / 1000 });
  rotateCsrfSecret(reply, policy);
}

export async function endSession(
  ctx: OAuthContext,
  request: FastifyRequest,
  reply: FastifyReply,
  policy: CookiePolicy,
): Promise<void> {
  const id = request.cookies[SESSION_COOKIE];
  if (id) await ctx.stores.sessions.delete(secretHash(id));
  reply.clearCookie(SESSION_COOKIE, cookieOptions(policy));
  rotateCsrfSecret(reply, policy);
}

/** A local path to come back to after signing in; anything else (another host, `//x`, `/\x`) becomes `/`. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/';
  }
  if (/[\x00-\x1f\x7f]/.test(value)) return '/';
  // A Location header carries ASCII only (Node refuses anything else): other characters travel percent-encoded.
  try {
    return value.replace(/[^\x00-\x7f]+/gu, (text) => encodeURIComponent(text));
  } catch {
    return '/'; // a lone surrogate, which no URL can carry
  }
}
