/**
 * The example website: "Sign in with Monban", the callback, and a page with the user and their list
 * (GET /api/v2/user_rates?user_id=ID). Server-side rendered with node:http; one @monban/client client per browser
 * session, kept in memory with the session. The client refreshes the access token when the API says it expired, so
 * the page keeps working for as long as the refresh token lives.
 *
 * In an application of your own, import from the package: `import { createClient } from '@monban/client';`
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createClient, OAuthError, ResponseError, type MonbanClient } from '../../packages/client/src/index.js';

export interface WebsiteOptions {
  /** Where Monban (or Shikimori) is. */
  monbanUrl: string;
  clientId: string;
  clientSecret: string;
  /** The port to listen on (0: any free one) and the host; default 127.0.0.1. */
  port: number;
  host?: string;
  /** The `fetch` the clients use (a test watches the refreshes through it); default the platform's. */
  fetch?: (request: Request) => Promise<Response>;
}

export interface Website {
  url: string;
  close(): Promise<void>;
}

interface Session {
  client: MonbanClient;
}

const SESSION_COOKIE = 'example_session';

function escape(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Example site</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1d2327; }
a.button, button { display: inline-block; padding: .5rem 1rem; border: 0; border-radius: .4rem;
  background: #2c5cc5; color: #fff; font: inherit; text-decoration: none; cursor: pointer; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ddd; }
.error { color: #a00; }
form { margin-top: 1.5rem; }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
${body}
</body>
</html>
`;
}

function send(response: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(html);
}

function redirect(response: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  response.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
  response.end();
}

function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

interface Rate {
  target_type?: unknown;
  target_id?: unknown;
  status?: unknown;
  score?: unknown;
  episodes?: unknown;
  chapters?: unknown;
}

function listHtml(rates: Rate[]): string {
  if (rates.length === 0) return '<p id="list_empty">Your list is empty.</p>';
  const rows = rates
    .map(
      (rate) =>
        `<tr><td>${escape(rate.target_type)}</td><td>${escape(rate.target_id)}</td><td>${escape(rate.status)}</td>` +
        `<td>${escape(rate.score)}</td>` +
        `<td>${escape(rate.target_type === 'Manga' ? rate.chapters : rate.episodes)}</td></tr>`,
    )
    .join('\n');
  return `<table id="list">
<thead><tr><th>Type</th><th>Id</th><th>Status</th><th>Score</th><th>Progress</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/** Starts the website. Its callback URL, which the application must have registered, is `{url}/callback`. */
export async function startWebsite(options: WebsiteOptions): Promise<Website> {
  const sessions = new Map<string, Session>();
  const host = options.host ?? '127.0.0.1';
  let url = '';

  function clientFor(): MonbanClient {
    return createClient({
      baseUrl: options.monbanUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      redirectUri: `${url}/callback`,
      scopes: ['user_rates'],
      userAgent: 'Monban example website/1.0',
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', url).pathname;
    const sessionId = cookieOf(request, SESSION_COOKIE);
    const session = sessionId === undefined ? undefined : sessions.get(sessionId);
    const signedIn = session !== undefined && (await session.client.tokens()) !== undefined;

    if (request.method === 'GET' && path === '/') {
      if (signedIn) return redirect(response, '/me');
      return send(
        response,
        200,
        page(
          'Example site',
          '<p>This site shows your list from Monban.</p>\n' +
            '<p><a class="button" id="sign_in" href="/login">Sign in with Monban</a></p>',
        ),
      );
    }

    if (request.method === 'GET' && path === '/login') {
      // A new session for every sign-in: its id is never one a visitor could have been given before (fixation).
      const id = randomBytes(32).toString('base64url');
      const fresh: Session = { client: clientFor() };
      sessions.set(id, fresh);
      if (sessionId !== undefined) sessions.delete(sessionId);
      const cookie = `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`;
      return redirect(response, await fresh.client.authorizationUrl(), { 'set-cookie': cookie });
    }

    if (request.method === 'GET' && path === '/callback') {
      if (session === undefined) return redirect(response, '/');
      try {
        await session.client.handleCallback(new URL(request.url ?? '/', url));
      } catch (err) {
        const reason = err instanceof OAuthError ? err.error : err instanceof ResponseError ? err.code : 'error';
        return send(
          response,
          400,
          page('Sign-in failed', `<p class="error" id="error">${escape(reason)}</p><p><a href="/">Back</a></p>`),
        );
      }
      return redirect(response, '/me');
    }

    if (request.method === 'GET' && path === '/me') {
      if (!signedIn || session === undefined) return redirect(response, '/');
      try {
        const me = await session.client.whoami<{ id: number; nickname: string }>();
        const ratesResponse = await session.client.fetch(`/api/v2/user_rates?user_id=${encodeURIComponent(me.id)}`);
        const list =
          ratesResponse.status === 200
            ? listHtml((await ratesResponse.json()) as Rate[])
            : `<p class="error" id="list_error">The list is unavailable (HTTP ${ratesResponse.status}).</p>`;
        const body = `<p>Signed in as <strong id="nickname">${escape(me.nickname)}</strong>.</p>
<h2>Your list</h2>
${list}
<form id="sign_out" method="post" action="/logout"><button type="submit">Sign out</button></form>`;
        return send(response, 200, page('Example site', body));
      } catch (err) {
        // The refresh token was refused too (revoked, say): signed out, start again.
        if (err instanceof OAuthError) {
          if (sessionId !== undefined) sessions.delete(sessionId);
          return redirect(response, '/');
        }
        throw err;
      }
    }

    // Sign-out is a POST; the session cookie is SameSite=Lax, so another site cannot post it with the cookie.
    if (request.method === 'POST' && path === '/logout') {
      if (session !== undefined) await session.client.signOut().catch(() => undefined);
      if (sessionId !== undefined) sessions.delete(sessionId);
      return redirect(response, '/', { 'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` });
    }

    send(response, 404, page('Not found', '<p><a href="/">Home</a></p>'));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((err: unknown) => {
      console.error(err);
      if (!response.headersSent) send(response, 500, page('Something went wrong', '<p>Try again.</p>'));
      else response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  url = `http://${host}:${port}`;
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
