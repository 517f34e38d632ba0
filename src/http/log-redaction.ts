/** Query parameters whose values are secrets, and never reach a log line (names compared in lower case). */
const SECRET_PARAMS = new Set([
  'access_token',
  'bearer_token',
  'refresh_token',
  'code',
  'client_secret',
  'token',
  'password',
  'current_password',
  'password_confirmation',
  '_csrf',
  'code_verifier',
  // RFC 8628: the device polls with its device code; the verification page's link carries the user code.
  'device_code',
  'user_code',
  // The device consent page's address carries the kept request's id (routes/device.ts), bound to its session.
  'request_id',
  // A password reset link (accounts/password-resets.ts): whoever has it sets the account's password.
  'reset_password_token',
]);

const REDACTED = '[REDACTED]';

/**
 * A crafted URL must cost bounded time: percent-decoding stops after this many rounds, and URLs nested in parameters
 * (`return_to` carrying a URL whose `return_to` carries another) are read this many levels deep. Past either, the
 * part is redacted whole. Monban's own pages nest two levels (the language switch on the sign-in page reached from
 * the out-of-band code page).
 */
const MAX_DECODE_ROUNDS = 8;
const MAX_DEPTH = 6;

/**
 * Percent-decodes until nothing changes (`%252F` is `/` after two rounds), `+` as a space in query components;
 * undefined when a round fails or it has not settled within the bound.
 */
function decodeUntilStable(text: string, plusIsSpace: boolean): string | undefined {
  let current = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

/**
 * Where the code starts in a path to the out-of-band page (`/oauth/authorize/CODE`), however the path is written:
 * any case, doubled slashes or backslashes, `;` parameters on a segment, dot segments, a trailing slash. Any
 * segment `authorize` followed by more counts, so no spelling that some router might take for the code page slips
 * through. Undefined when the path has no such segment.
 */
function codeStart(path: string): number | undefined {
  let offset = 0;
  for (const segment of path.split(/(?=[/\\])/)) {
    offset += segment.length;
    const name = segment.replace(/^[/\\]+/, '').replace(/;.*$/s, '').toLowerCase();
    if (name !== 'authorize') continue;
    const slashes = /^[/\\]*/.exec(path.slice(offset))?.[0].length ?? 0;
    // Only slashes after it: the authorization endpoint itself, no code.
    if (offset + slashes < path.length) return offset + slashes;
  }
  return undefined;
}

function redactPath(path: string, depth: number): string {
  const decoded = decodeUntilStable(path, false);
  if (decoded === undefined) return REDACTED;
  // An encoded `?` in the path: what follows it may be read as a query by someone, so it is redacted as one.
  if (decoded !== path && decoded.includes('?')) {
    if (depth >= MAX_DEPTH) return REDACTED;
    const nested = redactUrl(decoded, depth + 1);
    return nested === decoded ? path : nested;
  }
  const start = codeStart(decoded);
  if (start === undefined) return path;
  return `${decoded.slice(0, start)}${REDACTED}`;
}

/** A parameter's value, with whatever URL it carries redacted in turn; the pair as sent when nothing is secret. */
function redactParam(pair: string, depth: number): string {
  const eq = pair.indexOf('=');
  const name = eq < 0 ? pair : pair.slice(0, eq);
  const decodedName = decodeUntilStable(name, true);
  if (decodedName === undefined) return REDACTED;
  if (eq < 0) return pair;
  if (SECRET_PARAMS.has(decodedName.toLowerCase())) return `${name}=${REDACTED}`;
  const value = pair.slice(eq + 1);
  const decoded = decodeUntilStable(value, true);
  if (decoded === undefined) return `${name}=${REDACTED}`;
  // Only a value with a slash or a query can carry a code page's path or a secret parameter.
  if (!/[/\\?]/.test(decoded)) return pair;
  if (depth >= MAX_DEPTH) return `${name}=${REDACTED}`;
  const nested = redactUrl(decoded, depth + 1);
  return nested === decoded ? pair : `${name}=${encodeURIComponent(nested)}`;
}

/**
 * A request URL fit for a log: secret query values become `[REDACTED]`, and so does the code in the out-of-band
 * page's path (/oauth/authorize/CODE), whatever its spelling, also where a parameter carries such a URL, at any
 * depth (`return_to`: the language switch on the code page, or on the sign-in page reached from it, does). Each part
 * is read decoded until stable; a part that cannot be decoded is redacted whole. What needs no redaction is kept as
 * sent.
 */
export function redactUrl(url: string, depth = 0): string {
  const mark = url.indexOf('?');
  const path = redactPath(mark < 0 ? url : url.slice(0, mark), depth);
  if (mark < 0) return path;
  const query = url.slice(mark + 1);
  if (query === '') return path;
  const params = query
    .split('&')
    .map((pair) => redactParam(pair, depth))
    .join('&');
  return `${path}?${params}`;
}

/**
 * Free text that may quote a request URL (Fastify's own messages do: "Reply was already sent ... in "/url""): every
 * run that starts with `/` or a scheme's `://` up to a space or a quote is redacted as a URL.
 */
export function redactText(text: string): string {
  if (!/[/\\]/.test(text)) return text;
  return text.replace(/(?:[a-z][a-z0-9+.-]*:)?[/\\][^\s"'`<>]*/gi, (url) => redactUrl(url));
}
