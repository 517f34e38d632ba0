import type { FastifyInstance } from 'fastify';

/** A route as the server declares it: its path template (`/oauth/applications/:id`) and its methods. */
export interface Route {
  path: string;
  methods: string[];
}

/**
 * Every route of a built server, read from `printRoutes({ commonPrefix: false })`, so that a route added later is
 * fuzzed without anyone listing it. Each line of the tree is `<indent><branch>segment (METHODS)`, four characters
 * per level; a route's path is its ancestors' segments and its own, joined as they are.
 */
export function serverRoutes(server: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const ancestors: string[] = [];
  for (const line of server.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([ │]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const segment = match[2] ?? '';
    ancestors.length = depth;
    ancestors.push(segment);
    if (match[3] !== undefined) routes.push({ path: ancestors.join(''), methods: match[3].split(', ') });
  }
  return routes;
}
