/** Redirect URIs: registration rules (Doorkeeper's validator) and matching (RFC 9700 §4.1.3, RFC 8252 §7.3). */

/** Out-of-band URIs: the code is shown on Monban's own page instead of being redirected (compatibility.md §4.2). */
export const OOB_URIS: readonly string[] = ['urn:ietf:wg:oauth:2.0:oob', 'urn:ietf:wg:oauth:2.0:oob:auto'];

export function isOob(uri: string): boolean {
  return OOB_URIS.includes(uri);
}

/** The registered URIs of an application, stored one per line (Shikimori splits on any white space). */
export function splitRedirectUris(text: string): string[] {
  return text.split(/\s+/).filter((u) => u !== '');
}

const FORBIDDEN_SCHEMES = new Set(['javascript', 'data', 'vbscript', 'file', 'blob']);
/** Hosts that may take plain http: the loopback ones, IPv6's included (RFC 8252 §7.3; URL keeps its brackets). */
const HTTP_ALLOWED_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks one URI for registration as Doorkeeper's RedirectUriValidator does under Shikimori's
 * `force_ssl_in_redirect_uri` (compatibility.md §3), and returns its message, or null when the URI is acceptable.
 * Schemes that run code or read local data are refused outright.
 */
export function redirectUriProblem(uri: string): string | null {
  if (isOob(uri)) return null;
  if (/[\s\x00-\x1f\x7f]/.test(uri)) return 'must be a valid URI.';
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'must be an absolute URI.';
  if (scheme === 'localhost') return 'must specify a scheme.';
  if (FORBIDDEN_SCHEMES.has(scheme)) return 'is forbidden by the server.';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be a valid URI.';
  }
  if (uri.includes('#')) return 'cannot contain a fragment.';
  if ((scheme === 'http' || scheme === 'https') && url.hostname === '') return 'must be an absolute URI.';
  if (scheme === 'http' && !HTTP_ALLOWED_HOSTS.has(url.hostname)) return 'must be an HTTPS/SSL URI.';
  return null;
}

/** `http://127.0.0.1:PORT/...` or `http://[::1]:PORT/...`: loopback IP literals, whose port may vary. */
const LOOPBACK = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::(\d{1,5}))?(?=[/?]|$)/;

function withoutLoopbackPort(uri: string): string | null {
  const match = LOOPBACK.exec(uri);
  if (!match) return null;
  const port = match[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  return match[1] + uri.slice(match[0].length);
}

/**
 * Exact string comparison (RFC 9700 §4.1.3, RFC 3986 §6.2.1), with the one exception of RFC 8252 §7.3: for a
 * registered loopback IP URI, the request may name any port. `localhost` is not a loopback IP here, as in Doorkeeper.
 */
export function redirectUriMatches(requested: string, registered: string): boolean {
  if (requested === registered) return true;
  const a = withoutLoopbackPort(requested);
  const b = withoutLoopbackPort(registered);
  return a !== null && b !== null && a === b;
}

/** Merges parameters into a redirect URI's query, leaving out blank values (Doorkeeper's URIBuilder). */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') url.searchParams.set(key, value);
  }
  return url.href;
}
