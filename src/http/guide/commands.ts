/**
 * The seed guide's link and curl commands (steps 2 to 5), filled with one application's values. The guide page
 * renders them on the server, and its script (served from /assets/guide/) rebuilds them as the developer types, so
 * this module runs in both: no Node and no DOM here.
 */

export interface GuideValues {
  baseUrl: string;
  clientId?: string | undefined;
  /** The first line of the application's redirect URIs, as Shikimori's guide uses (compatibility.md §7). */
  redirectUri?: string | undefined;
  scopes: readonly string[];
  code?: string | undefined;
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
}

/**
 * Stand-ins for what the page does not know. The client secret is always one: Monban keeps only its hash, and
 * the secret the developer pastes into the page is never written into a command.
 */
export const PLACEHOLDERS = {
  clientId: 'CLIENT_ID',
  clientSecret: 'CLIENT_SECRET',
  redirectUri: 'REDIRECT_URI',
  code: 'AUTHORIZATION_CODE',
  accessToken: 'ACCESS_TOKEN',
  refreshToken: 'REFRESH_TOKEN',
} as const;

function or(value: string | undefined, placeholder: string): string {
  return value === undefined || value.trim() === '' ? placeholder : value.trim();
}

/**
 * A shell word for a POSIX shell: double quotes as the guide writes them, or single quotes when the value holds a
 * character that double quotes would still expand (`"`, `\`, `$`, backquote, `!`).
 */
export function shellWord(value: string): string {
  if (!/["\\$`!]/.test(value)) return `"${value}"`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Step 2: Shikimori's link, `scope=` included even when empty (compatibility.md §7); scopes are joined by spaces. */
export function authorizationUrl(values: GuideValues): string {
  const query = new URLSearchParams({
    client_id: or(values.clientId, PLACEHOLDERS.clientId),
    redirect_uri: or(values.redirectUri, PLACEHOLDERS.redirectUri),
    response_type: 'code',
    scope: values.scopes.join(' '),
  });
  return `${values.baseUrl}/oauth/authorize?${query}`;
}

function command(lines: string[]): string {
  return lines.join(' \\\n  ');
}

/** Step 3: the code exchange, as `curl -F` (multipart), the guide's way. */
export function tokenCommand(values: GuideValues): string {
  return command([
    `curl -X POST ${shellWord(`${values.baseUrl}/oauth/token`)}`,
    `-F grant_type="authorization_code"`,
    `-F client_id=${shellWord(or(values.clientId, PLACEHOLDERS.clientId))}`,
    `-F client_secret="${PLACEHOLDERS.clientSecret}"`,
    `-F code=${shellWord(or(values.code, PLACEHOLDERS.code))}`,
    `-F redirect_uri=${shellWord(or(values.redirectUri, PLACEHOLDERS.redirectUri))}`,
  ]);
}

/** Step 4: a protected resource with the access token. */
export function whoamiCommand(values: GuideValues): string {
  return command([
    `curl -X GET ${shellWord(`${values.baseUrl}/api/users/whoami`)}`,
    `-H ${shellWord(`Authorization: Bearer ${or(values.accessToken, PLACEHOLDERS.accessToken)}`)}`,
  ]);
}

/** Step 5: the refresh; no redirect_uri is needed (compatibility.md §7). */
export function refreshCommand(values: GuideValues): string {
  return command([
    `curl -X POST ${shellWord(`${values.baseUrl}/oauth/token`)}`,
    `-F grant_type="refresh_token"`,
    `-F client_id=${shellWord(or(values.clientId, PLACEHOLDERS.clientId))}`,
    `-F client_secret="${PLACEHOLDERS.clientSecret}"`,
    `-F refresh_token=${shellWord(or(values.refreshToken, PLACEHOLDERS.refreshToken))}`,
  ]);
}
