import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';

/**
 * The client as every per-address limit counts it (rate limits, sign-in and sign-up throttles): `request.ip`, which
 * MONBAN_TRUST_PROXY decides, with an IPv6 address taken per /64, since one customer is given a whole /64 and may
 * use any address in it, and an IPv4-mapped one as its IPv4 address.
 */
export function clientAddress(request: FastifyRequest): string {
  return addressKey(request.ip);
}

/** The same key for a bare address, such as a connection's peer (ops/connection-limit.ts). */
export function addressKey(address: string): string {
  // normalizeIP lowercases anything that is not IPv6, after testing it with Node's IPv6 pattern (a long regular
  // expression, run on every request); an address without a colon cannot be IPv6, so it skips the test.
  return address.includes(':') ? normalizeIP(address) : address.toLowerCase();
}

/**
 * The whole address, an IPv4-mapped one as IPv4: what the audit log records (http/request-context.ts), with the same
 * shortcut for an address that cannot be IPv6.
 */
export function wholeAddress(address: string): string {
  return address.includes(':') ? normalizeIP(address, 128) : address.toLowerCase();
}
