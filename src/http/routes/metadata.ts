import type { FastifyInstance, FastifyReply } from 'fastify';
import { API_RESOURCE_PATH, authorizationServerMetadata, protectedResourceMetadata } from '../../core/metadata.js';
import type { HttpDeps } from '../deps.js';

/**
 * Public and the same for everyone, carrying no secret: any origin may read them (a client running in a browser
 * discovers Monban this way), and caches may keep them for a few minutes.
 */
function sendMetadata(reply: FastifyReply, json: string): FastifyReply {
  return reply
    .header('cache-control', 'public, max-age=300')
    .header('access-control-allow-origin', '*')
    .type('application/json; charset=utf-8')
    .send(json);
}

/** A CORS preflight, which a browser sends first when its client adds a header of its own (a protocol version). */
function sendPreflight(reply: FastifyReply): FastifyReply {
  return reply
    .code(204)
    .header('access-control-allow-origin', '*')
    .header('access-control-allow-methods', 'GET')
    .header('access-control-allow-headers', '*')
    .header('access-control-max-age', '86400')
    .send();
}

/**
 * The discovery documents: the authorization server's (RFC 8414 §3) and the API's (RFC 9728 §3), the latter at the
 * bare well-known path and at the one with the resource's path appended (RFC 9728 §3.1).
 */
export async function metadataRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const issuer = deps.config.publicUrl;
  const resource = JSON.stringify(protectedResourceMetadata(issuer));
  const documents: ReadonlyArray<[path: string, json: string]> = [
    ['/.well-known/oauth-authorization-server', JSON.stringify(authorizationServerMetadata(issuer))],
    ['/.well-known/oauth-protected-resource', resource],
    [`/.well-known/oauth-protected-resource${API_RESOURCE_PATH}`, resource],
  ];
  for (const [path, json] of documents) {
    app.get(path, async (_request, reply) => sendMetadata(reply, json));
    app.options(path, async (_request, reply) => sendPreflight(reply));
  }
}
