import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** An onSend hook's callback: the payload, unchanged. */
type OnSendDone = (err: Error | null, payload: unknown) => void;

/**
 * Cross-origin requests as Shikimori answers them (compatibility.md §6, "CORS"): Shikimori's rack-cors lets any
 * origin, without credentials, call `/api/*` (GET, OPTIONS, POST, PUT, PATCH, DELETE, any request headers) and
 * `/oauth/token` (POST, any request headers). Monban's pages allow no other origin, so they carry no CORS headers.
 */
interface CorsResource {
  matches(path: string): boolean;
  /** Access-Control-Allow-Methods, in the order Shikimori's configuration lists them. */
  methods: readonly string[];
}

const RESOURCES: readonly CorsResource[] = [
  {
    matches: (path) => path === '/api' || path.startsWith('/api/'),
    methods: ['GET', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'],
  },
  { matches: (path) => path === '/oauth/token', methods: ['POST'] },
];

/** rack-cors's default preflight lifetime (its `max_age`), in seconds. */
const MAX_AGE = '7200';

/**
 * Response headers a page's script may read besides the CORS-safelisted ones. rack-cors sends an empty list when
 * nothing is configured, as on Shikimori; Monban names the headers of its per-application quotas (security.md),
 * which Shikimori does not have, so that a browser client can see them and back off.
 */
const EXPOSED = 'RateLimit-Policy, RateLimit, Retry-After';

/** The path as the router reads it, percent-decoded (`/%61pi/...` is the API), as rack-cors also decodes it. */
function resourceFor(url: string): CorsResource | undefined {
  // Every request passes here when answered; most are neither resource, which the first characters tell without
  // copying the path (an encoded path, with `%`, is decoded first).
  if (!url.startsWith('/api') && !url.startsWith('/oauth/token') && !url.includes('%')) return undefined;
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  if (path.includes('%')) {
    try {
      path = decodeURIComponent(path);
    } catch {
      // Not UTF-8 once decoded: no route has it, and neither does CORS.
    }
  }
  return RESOURCES.find((r) => r.matches(path));
}

/** The headers rack-cors gives a matched request: the same on preflights and on actual requests. */
function corsHeaders(resource: CorsResource): Readonly<Record<string, string>> {
  return {
    // Any origin, so `*` rather than the request's Origin, and never Access-Control-Allow-Credentials.
    'access-control-allow-origin': '*',
    'access-control-allow-methods': resource.methods.join(', '),
    'access-control-expose-headers': EXPOSED,
    'access-control-max-age': MAX_AGE,
  };
}

/** Each resource's headers, built once. */
const HEADERS = new Map(RESOURCES.map((r) => [r, Object.entries(corsHeaders(r))] as const));

/** A CORS preflight (Fetch §3.2.2): OPTIONS with an Origin and the method the page wants to use. */
function isPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined
  );
}

/**
 * The discovery documents (`/.well-known/…`) are Monban's own public JSON, with CORS rules and preflight routes of
 * their own (routes/metadata.ts); Shikimori has none of them.
 */
function ownPreflight(url: string): boolean {
  return url.startsWith('/.well-known/');
}

/** Adds Origin to Vary, keeping what the route put there. */
function varyOnOrigin(reply: FastifyReply): void {
  const current = reply.getHeader('vary');
  if (current === undefined) {
    reply.header('vary', 'Origin');
    return;
  }
  const names = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.some((n) => n === '*' || n.toLowerCase() === 'origin')) return;
  reply.header('vary', [...names, 'Origin'].join(', '));
}

/**
 * rack-cors sits first in Shikimori's middleware, before rack-attack, so a preflight is answered there: `200`, an
 * empty body, and the CORS headers when the path and the requested method are allowed (none otherwise, which the
 * browser takes as a refusal). Any requested headers are allowed by echoing Access-Control-Request-Headers. Here
 * too the preflight is answered in the first onRequest hook, registered before the rate limits (src/ops): it reads
 * no database, needs no token, and is not counted against the per-address limits.
 *
 * Other requests to an allowed path get the CORS headers when they carry an Origin, and `Vary: Origin` always (the
 * answer depends on it), added when the answer is sent so that errors and 429s carry them too.
 */
export function registerCors(app: FastifyInstance): void {
  // Callback hooks: these run on every request and await nothing, and an async hook costs a promise each time.
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (!isPreflight(request) || ownPreflight(request.url)) return done();
    const resource = resourceFor(request.url);
    const method = String(request.headers['access-control-request-method']).toUpperCase();
    // The request id hook (src/ops/logging.ts) comes after this one, and a sent reply skips it.
    reply.header('x-request-id', request.id);
    if (resource?.methods.includes(method)) {
      reply.headers(corsHeaders(resource));
      const requested = request.headers['access-control-request-headers'];
      if (requested !== undefined) reply.header('access-control-allow-headers', requested);
    }
    void reply.code(200).send();
  });

  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone) => {
    const resource = isPreflight(request) ? undefined : resourceFor(request.url);
    if (resource) {
      if (request.headers.origin !== undefined) {
        for (const [name, value] of HEADERS.get(resource) ?? []) {
          if (!reply.hasHeader(name)) reply.header(name, value);
        }
      }
      varyOnOrigin(reply);
    }
    done(null, payload);
  });
}
