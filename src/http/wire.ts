import type { FastifyReply } from 'fastify';
import type { WireResponse } from '../core/error-response.js';

/** Sends a protocol answer exactly as the core shaped it; JSON bodies are `application/json; charset=utf-8`. */
export function sendWire(reply: FastifyReply, wire: WireResponse): FastifyReply {
  return reply
    .code(wire.status)
    .headers(wire.headers)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(wire.body));
}

/** Request parameters from a parsed body: an object of fields, or nothing. */
export function bodyParams(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {};
}
