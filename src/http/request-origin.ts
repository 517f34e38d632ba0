import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withRequestOrigin, type RequestOrigin } from '../audit/origin.js';

/**
 * The client as the audit log records it: `request.ip`, which MONBAN_TRUST_PROXY decides, as for the rate limits
 * (http/client-address.ts), but the whole address (an IPv4-mapped one as IPv4), not the /64 the limits count.
 */
export function requestOrigin(request: FastifyRequest): RequestOrigin {
  return { address: normalizeIP(request.ip, 128), userAgent: request.headers['user-agent'] ?? null };
}

/**
 * Enters the request's origin (audit/origin.ts) for the rest of its handling: hooks, body parsing and handler run
 * from Fastify's `done`, so they all see it, and so do the core's events emitted on the way.
 */
export function enterRequestOrigin(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => withRequestOrigin(requestOrigin(request), done));
}
