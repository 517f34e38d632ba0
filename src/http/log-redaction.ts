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

function decodeComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * A request URL fit for a log: secret query values become `[REDACTED]`, and so does the code in the out-of-band
 * page's path (/oauth/authorize/CODE), also where a `return_to` parameter carries such a URL (the language switch on
 * the code page does).
 */
export function redactUrl(url: string, nested = false): string {
  const [path = '', query] = url.split(/\?(.*)/s, 2);
  const safePath = path.replace(/^(\/oauth\/authorize\/)[^/]+/, '$1[REDACTED]');
  if (query === undefined || query === '') return safePath;
  const params = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const decoded = decodeComponent(name) ?? name;
      if (eq < 0) return pair;
      if (SECRET_PARAMS.has(decoded)) return `${name}=[REDACTED]`;
      if (decoded === 'return_to' && !nested) {
        const target = decodeComponent(pair.slice(eq + 1));
        return target === undefined ? `${name}=[REDACTED]` : `${name}=${encodeURIComponent(redactUrl(target, true))}`;
      }
      return pair;
    })
    .join('&');
  return `${safePath}?${params}`;
}
