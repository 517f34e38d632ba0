import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import type { WireResponse } from '../core/error-response.js';

/** Sends a protocol answer exactly as the core shaped it; JSON bodies are `application/json; charset=utf-8`. */
export function sendWire(reply: FastifyReply, wire: WireResponse): FastifyReply {
  return reply
    .code(wire.status)
    .headers(wire.headers)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(wire.body));
}

/**
 * Request parameters from a parsed body: an object of fields, or nothing. A JSON array, string or number carries no
 * named parameters (its indexes are not parameter names).
 */
export function bodyParams(body: unknown): Record<string, unknown> {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) && !Buffer.isBuffer(body);
  return fields ? (body as Record<string, unknown>) : {};
}

/**
 * What the body parsers reject is the client's fault: a 4xx from Fastify's parsers, or any error on a multipart
 * request (busboy's errors for a malformed multipart body carry no status code). The reason, for an error body.
 */
export function unreadableBody(err: unknown, request: FastifyRequest): string | undefined {
  const status = (err as { statusCode?: unknown }).statusCode;
  const unreadable = typeof status === 'number' ? status >= 400 && status < 500 : request.isMultipart();
  if (!unreadable) return undefined;
  return err instanceof Error ? err.message.replace(/\.$/, '') : 'malformed';
}
