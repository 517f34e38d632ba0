/**
 * The limit's routes and in-memory state, shared by the bare limit (limit.ts) and the limit with Monban's
 * per-request plugins (limit-plugins.ts): the minimum each scenario needs, with Maps and no hashing, no database,
 * no logging.
 *
 * Seeded from BENCH_SEED (a SeedPlan as JSON) with the same deterministic secrets as Monban's seeded database.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { benchSecret, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SEED_SCOPES, type SeedPlan } from '../common.js';

interface Token {
  userIndex: number | null;
  scopes: string;
  refreshToken: string | null;
}

interface User {
  id: number;
  nickname: string;
}

export const plan = JSON.parse(process.env.BENCH_SEED ?? '{}') as SeedPlan;
export const port = Number(process.env.PORT ?? 0);
const publicUrl = `http://127.0.0.1:${port}`;

const users: User[] = Array.from({ length: plan.users }, (_, i) => ({ id: i + 1, nickname: `user${i}` }));
const tokens = new Map<string, Token>();
const refreshTokens = new Map<string, string>(); // refresh token -> access token
const codes = new Map<string, { userIndex: number; redirectUri: string; scopes: string }>();
const sessions = new Map<string, number>();

for (let i = 0; i < plan.resident; i++) {
  const refresh = benchSecret('resident-refresh', i);
  const access = benchSecret('resident-access', i);
  tokens.set(access, { userIndex: i % plan.users, scopes: SEED_SCOPES, refreshToken: refresh });
  refreshTokens.set(refresh, access);
}
for (let i = 0; i < plan.refreshPool; i++) {
  const refresh = benchSecret('pool-refresh', i);
  const access = benchSecret('pool-access', i);
  tokens.set(access, { userIndex: i % plan.users, scopes: SEED_SCOPES, refreshToken: refresh });
  refreshTokens.set(refresh, access);
}
for (let i = 0; i < plan.codePool; i++) {
  codes.set(benchSecret('code', i), { userIndex: i % plan.users, redirectUri: REDIRECT_URI, scopes: SEED_SCOPES });
}
sessions.set(benchSecret('session', 0), 0);

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function issue(userIndex: number | null, scopes: string, withRefresh: boolean) {
  const accessToken = randomBytes(32).toString('base64url');
  const refreshToken = withRefresh ? randomBytes(32).toString('base64url') : null;
  tokens.set(accessToken, { userIndex, scopes, refreshToken });
  if (refreshToken) refreshTokens.set(refreshToken, accessToken);
  const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: 86400 };
  if (refreshToken) body.refresh_token = refreshToken;
  body.scope = scopes;
  body.created_at = Math.floor(Date.now() / 1000);
  return body;
}

/** The protocol and API routes: whoami and the token endpoint (Monban's are not pages either). */
export function apiRoutes(app: FastifyInstance): void {
  app.get('/api/users/whoami', async (request, reply) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? tokens.get(header.slice(7)) : undefined;
    if (!token || token.userIndex === null) return reply.code(401).send({ error: 'invalid_token' });
    const user = users[token.userIndex] as User;
    const avatar = `${publicUrl}/assets/globals/missing_avatar/x48.png`;
    return reply.header('cache-control', 'no-store').send({
      id: user.id,
      nickname: user.nickname,
      avatar,
      image: { x160: avatar, x148: avatar, x80: avatar, x64: avatar, x48: avatar, x32: avatar, x16: avatar },
      last_online_at: new Date().toISOString(),
      url: `${publicUrl}/${user.nickname}`,
      name: null,
      sex: null,
      website: null,
      birth_on: null,
      full_years: null,
      locale: 'ru',
    });
  });

  app.post('/oauth/token', async (request, reply) => {
    const body = request.body as Record<string, string>;
    if (body.client_id !== CLIENT_ID || body.client_secret !== CLIENT_SECRET) {
      return reply.code(401).headers(NO_STORE).send({ error: 'invalid_client' });
    }
    switch (body.grant_type) {
      case 'refresh_token': {
        const access = body.refresh_token === undefined ? undefined : refreshTokens.get(body.refresh_token);
        const token = access === undefined ? undefined : tokens.get(access);
        if (!token) return reply.code(400).headers(NO_STORE).send({ error: 'invalid_grant' });
        refreshTokens.delete(body.refresh_token as string);
        tokens.delete(access as string);
        return reply.headers(NO_STORE).send(issue(token.userIndex, token.scopes, true));
      }
      case 'authorization_code': {
        const code = body.code === undefined ? undefined : codes.get(body.code);
        if (!code || code.redirectUri !== body.redirect_uri) {
          return reply.code(400).headers(NO_STORE).send({ error: 'invalid_grant' });
        }
        codes.delete(body.code as string);
        return reply.headers(NO_STORE).send(issue(code.userIndex, code.scopes, true));
      }
      case 'client_credentials':
        return reply.headers(NO_STORE).send(issue(null, SEED_SCOPES, false));
      default:
        return reply.code(400).headers(NO_STORE).send({ error: 'unsupported_grant_type' });
    }
  });
}

/** The page: a signed-in user who already consented goes straight back to the client with a new code. */
export function pageRoutes(app: FastifyInstance): void {
  app.get('/oauth/authorize', async (request, reply) => {
    const query = request.query as Record<string, string>;
    const session = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
    const userIndex = session === undefined ? undefined : sessions.get(session);
    if (userIndex === undefined) return reply.code(302).header('location', '/users/sign_in').send();
    if (query.client_id !== CLIENT_ID || query.redirect_uri !== REDIRECT_URI || query.response_type !== 'code') {
      return reply.code(400).send('invalid request');
    }
    const code = randomBytes(32).toString('base64url');
    codes.set(code, { userIndex, redirectUri: REDIRECT_URI, scopes: SEED_SCOPES });
    return reply
      .code(302)
      .header('cache-control', 'no-store')
      .header('location', `${REDIRECT_URI}?code=${code}`)
      .send();
  });
}

/** Listens on 127.0.0.1:PORT, says "listening" when ready, and closes on SIGTERM. */
export async function serve(app: FastifyInstance): Promise<void> {
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write('listening\n');
  process.once('SIGTERM', () => {
    app.close().then(() => process.exit(0));
  });
}
