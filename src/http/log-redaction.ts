/** Query parameters whose values are secrets, and never reach a log line. */
const SECRET_PARAMS = new Set([
  'access_token',
  'bearer_token',
  'refresh_token',
  'code',
  'client_secret',
  'token',
  'password',
  '_csrf',
  'code_verifier',
]);

/**
 * A request URL fit for a log: secret query values become `[REDACTED]`, and so does the code in the out-of-band
 * page's path (/oauth/authorize/CODE).
 */
export function redactUrl(url: string): string {
  const [path = '', query] = url.split(/\?(.*)/s, 2);
  const safePath = path.replace(/^(\/oauth\/authorize\/)[^/]+/, '$1[REDACTED]');
  if (query === undefined || query === '') return safePath;
  const params = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      return eq >= 0 && SECRET_PARAMS.has(decoded) ? `${name}=[REDACTED]` : pair;
    })
    .join('&');
  return `${safePath}?${params}`;
}
