import assert from 'node:assert/strict';
import { cliJson, HttpBrowser, type ServerProcess } from './process.js';

/**
 * An OAuth client over real HTTP, for suites that drive Monban processes (test/cluster, test/e2e). Every request
 * is bounded: one that gets no answer within REQUEST_TIMEOUT_MS fails as hung instead of blocking the run.
 */
export const REQUEST_TIMEOUT_MS = 20_000;
export const PASSWORD = 'correct horse battery';
export const REDIRECT_URI = 'https://client.example/cb';

export const INVALID_GRANT = {
  error: 'invalid_grant',
  error_description:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in ' +
    'the authorization request, or was issued to another client.',
};
export const INVALID_TOKEN_BODY =
  '{"error":"invalid_token","error_description":"The access token is invalid","state":"unauthorized"}';
export const TEMPORARILY_UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description:
    'The authorization server is temporarily unable to handle the request due to a temporary overloading or ' +
    'maintenance of the server.',
};

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
  /** Milliseconds from sending the request to the end of the body. */
  ms: number;
}

export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

export interface TokenBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
  created_at: number;
}

/** The token response of a 200 answer (RFC 6749 §5.1), or a failed assertion naming what came instead. */
export function tokensOf(answer: Answer): TokenBody {
  assert.equal(answer.status, 200, answer.body);
  const body = JSON.parse(answer.body) as TokenBody;
  assert.equal(typeof body.access_token, 'string');
  return body;
}

/** Asserts a 400 invalid_grant answer with Doorkeeper's body (RFC 6749 §5.2). */
export function assertInvalidGrant(answer: Answer): void {
  assert.equal(answer.status, 400, answer.body);
  assert.deepEqual(JSON.parse(answer.body), INVALID_GRANT);
}

/** Asserts the 401 a revoked, expired or unknown token gets from the API (compatibility.md §5). */
export function assertInvalidToken(answer: Answer): void {
  assert.equal(answer.status, 401, answer.body);
  assert.equal(answer.body, INVALID_TOKEN_BODY);
}

export function whoami(baseUrl: string, accessToken: string): Promise<Answer> {
  return send(`${baseUrl}/api/users/whoami`, { headers: { authorization: `Bearer ${accessToken}` } });
}

/** A registered confidential client, as `monban apps create --json` prints it. */
export interface ClientApp {
  client_id: string;
  client_secret: string;
}

/** The client's side of the token, revocation and introspection endpoints, with credentials in the body. */
export class OAuthClient {
  constructor(readonly app: ClientApp) {}

  private post(url: string, fields: Record<string, string>): Promise<Answer> {
    const form = new URLSearchParams({ ...fields, client_id: this.app.client_id, client_secret: this.app.client_secret });
    return send(url, { method: 'POST', body: form });
  }

  exchange(baseUrl: string, code: string): Promise<Answer> {
    return this.post(`${baseUrl}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
  }

  refresh(baseUrl: string, refreshToken: string): Promise<Answer> {
    return this.post(`${baseUrl}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  revoke(baseUrl: string, token: string, hint?: 'access_token' | 'refresh_token'): Promise<Answer> {
    return this.post(`${baseUrl}/oauth/revoke`, hint ? { token, token_type_hint: hint } : { token });
  }

  introspect(baseUrl: string, token: string): Promise<Answer> {
    return this.post(`${baseUrl}/oauth/introspect`, { token });
  }
}

/** Creates a user and a client application through the CLI, against the database these settings name. */
export async function userAndApp(env: Record<string, string>, nickname: string): Promise<ClientApp> {
  await cliJson(['users', 'create', '--nickname', nickname, '--password', PASSWORD], env);
  return cliJson<ClientApp>(
    ['apps', 'create', '--owner', nickname, '--name', `${nickname}'s app`, '--redirect-uri', REDIRECT_URI],
    env,
  );
}

/**
 * The same browser (its cookies: session and CSRF secret) talking to another server, as behind a load balancer:
 * sessions live in the database, so any process accepts them.
 */
export function browserOn(signedIn: HttpBrowser, server: ServerProcess | string): HttpBrowser {
  const browser = new HttpBrowser(typeof server === 'string' ? server : server.url);
  for (const [name, value] of signedIn.cookies) browser.cookies.set(name, value);
  return browser;
}

export async function signedIn(server: ServerProcess | string, nickname: string): Promise<HttpBrowser> {
  const browser = new HttpBrowser(typeof server === 'string' ? server : server.url);
  await browser.signIn(nickname, PASSWORD);
  return browser;
}
