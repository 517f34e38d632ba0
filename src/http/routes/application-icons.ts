import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

type IconRequest = { Params: { id: string }; Querystring: { v?: unknown } };

/** A year: the longest lifetime caches honour, for a URL whose `?v=` names the bytes it serves. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Whether an If-None-Match header names this ETag (RFC 9110 §13.1.2: weak comparison, or `*`). */
function notModified(header: string | string[] | undefined, etag: string): boolean {
  if (typeof header !== 'string') return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/**
 * `GET /oauth/applications/:id/icon`: an application's uploaded icon (accounts/application-icons.ts), public as the
 * consent page that shows it. Served with the type found from its bytes when it was uploaded, `nosniff`, and a
 * policy that lets nothing run or load should a browser open it as a document (security.md #93a). Pages
 * link it with `?v=` its version, which may be cached for good; any other URL is revalidated with its ETag.
 */
export async function applicationIconRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get<IconRequest>('/oauth/applications/:id/icon', async (request, reply) => {
    const { id } = request.params;
    const icon = /^[1-9][0-9]{0,14}$/.test(id)
      ? await deps.ctx.stores.applicationIcons.find(Number(id))
      : undefined;
    if (!icon) return reply.callNotFound();
    const etag = `"${icon.version}"`;
    reply
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('x-content-type-options', 'nosniff')
      .header('etag', etag)
      .header('cache-control', request.query.v === icon.version ? IMMUTABLE : 'no-cache');
    if (notModified(request.headers['if-none-match'], etag)) return reply.code(304).send();
    const bytes = Buffer.from(icon.bytes.buffer, icon.bytes.byteOffset, icon.bytes.byteLength);
    return reply.code(200).type(icon.contentType).send(bytes);
  });
}
