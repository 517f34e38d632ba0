import type { FastifyRequest } from 'fastify';
import type { OAuthContext } from '../core/context.js';
import type { EventOrigin } from '../core/events.js';
import { wholeAddress } from './client-address.js';

/**
 * The client as the audit log records it: `request.ip`, which MONBAN_TRUST_PROXY decides, as for the rate limits
 * (http/client-address.ts), but the whole address (an IPv4-mapped one as IPv4), not the /64 the limits count.
 */
export function requestOrigin(request: FastifyRequest): EventOrigin {
  return { address: wholeAddress(request.ip), userAgent: request.headers['user-agent'] ?? null };
}

/**
 * The core's context for one request that may emit events: the same context, whose events carry the request's
 * origin (core/events.ts, EventOrigin) to the audit log. Routes that emit nothing (whoami, the API's reads) keep
 * the shared context and pay nothing.
 */
export function requestContext(ctx: OAuthContext, request: FastifyRequest): OAuthContext {
  return { ...ctx, events: ctx.events.withOrigin(requestOrigin(request)), reportError: (err) => ctx.reportError(err) };
}
