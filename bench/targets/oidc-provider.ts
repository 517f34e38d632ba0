/**
 * The peer: node-oidc-provider 8.x (the last line that runs on Node 20) configured with Monban's grants
 * (authorization_code, refresh_token with rotation, client_credentials), a confidential client authenticating with
 * client_secret_post, and an in-memory adapter over plain Maps (the library's own memory adapter is an LRU of 1000
 * entries, which would evict the seeded tokens). PKCE is not required, as Monban does not require it yet.
 *
 * Whoami's equivalent is a resource of its own, GET /api/users/whoami, checked in-process the way a resource server
 * mounted on the provider checks a bearer token: AccessToken.find (the adapter's lookup and the model's own checks),
 * then expiry, sender constraints and scope, then the account's user JSON in Monban's shape. It is a Koa middleware
 * given to provider.use, so it runs in the provider's own Koa app, ahead of the provider's routes. The userinfo
 * endpoint (GET /me), which does much more than check a token, is the `userinfo` scenario. The seeded access tokens
 * and the flow ask for `openid profile` (userinfo needs `openid`; the resource asks for `profile`); the refresh and
 * code scenarios use `offline_access` alone, so that, like Monban, the provider answers with an access token and a
 * refresh token and signs no ID token. The flow does get an ID token (signed with Ed25519, the cheapest algorithm
 * it offers).
 *
 * Seeded from BENCH_SEED through the provider's own models; the secrets it issued are written, one a line, to
 * BENCH_LISTS_DIR/{whoami,refresh,code}.txt. Listens on 127.0.0.1:PORT and prints "listening" when ready.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import Provider, { type Adapter, type AdapterPayload, type Configuration } from 'oidc-provider';
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, type SeedPlan } from '../common.js';

const plan = JSON.parse(process.env.BENCH_SEED ?? '{}') as SeedPlan;
const port = Number(process.env.PORT ?? 0);
const listsDir = process.env.BENCH_LISTS_DIR ?? '.';
const issuer = `http://127.0.0.1:${port}`;

/** Everything the provider stores, in Maps, with the grant index revokeByGrantId needs. */
const storage = new Map<string, AdapterPayload>();
const byGrant = new Map<string, string[]>();
const byUid = new Map<string, string>();
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

class MapAdapter implements Adapter {
  constructor(private readonly model: string) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    const key = this.key(id);
    if (this.model === 'Session' && payload.uid) byUid.set(payload.uid, id);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      const keys = byGrant.get(payload.grantId);
      if (keys) keys.push(key);
      else byGrant.set(payload.grantId, [key]);
    }
    storage.set(key, payload);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return storage.get(this.key(id));
  }

  async findByUserCode(): Promise<AdapterPayload | undefined> {
    return undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = byUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = storage.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    storage.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of byGrant.get(grantId) ?? []) storage.delete(key);
    byGrant.delete(grantId);
  }
}

const accountId = (userIndex: number) => `user${userIndex}`;

const { privateKey } = generateKeyPairSync('ed25519');
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'EdDSA', use: 'sig' };

const DAY = 24 * 3600;
const configuration: Configuration = {
  adapter: MapAdapter,
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'EdDSA',
    },
  ],
  jwks: { keys: [signingKey as never] },
  cookies: { keys: ['monban-bench-cookie-key'] },
  claims: { openid: ['sub'], profile: ['nickname', 'picture', 'locale', 'website', 'gender', 'updated_at'] },
  scopes: ['openid', 'offline_access', 'profile'],
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  pkce: { required: () => false },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: DAY,
    AuthorizationCode: 3600,
    ClientCredentials: DAY,
    RefreshToken: 14 * DAY,
    Grant: 3650 * DAY,
    Session: 14 * DAY,
    Interaction: 3600,
    IdToken: 3600,
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          nickname: id,
          picture: `${issuer}/assets/globals/missing_avatar/x48.png`,
          locale: 'ru',
          website: null,
          gender: null,
          updated_at: 0,
        };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
const client = await provider.Client.find(CLIENT_ID);
if (!client) throw new Error('the bench client is not configured');

/** One grant per user, covering every scope the scenarios use. */
const grants: string[] = [];
for (let u = 0; u < plan.users; u++) {
  const grant = new provider.Grant({ accountId: accountId(u), clientId: CLIENT_ID });
  grant.addOIDCScope('openid offline_access profile');
  grants.push(await grant.save());
}
const grantOf = (i: number) => grants[i % plan.users] as string;

async function writeList(name: string, count: number, make: (i: number) => Promise<string>): Promise<void> {
  const out = createWriteStream(join(listsDir, `${name}.txt`));
  for (let i = 0; i < count; i++) {
    if (!out.write(`${await make(i)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

mkdirSync(listsDir, { recursive: true });
await writeList('whoami', plan.resident, (i) =>
  new provider.AccessToken({
    accountId: accountId(i % plan.users),
    client,
    grantId: grantOf(i),
    gty: 'authorization_code',
    scope: 'openid profile',
  }).save(),
);
await writeList('refresh', plan.refreshPool, (i) =>
  new provider.RefreshToken({
    accountId: accountId(i % plan.users),
    client,
    grantId: grantOf(i),
    gty: 'authorization_code',
    scope: 'offline_access',
    rotations: 0,
  }).save(),
);
await writeList('code', plan.codePool, (i) =>
  new provider.AuthorizationCode({
    accountId: accountId(i % plan.users),
    client,
    grantId: grantOf(i),
    scope: 'offline_access',
    redirectUri: REDIRECT_URI,
    expiresWithSession: false,
  } as ConstructorParameters<typeof provider.AuthorizationCode>[0]).save(),
);

/** The login and consent pages, answered at once: the first seeded user signs in and grants every scope. */
async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
  await provider.interactionDetails(req, res);
  const user = accountId(0);
  const grant = new provider.Grant({ accountId: user, clientId: CLIENT_ID });
  grant.addOIDCScope('openid offline_access profile');
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

/** Seeded account ids are `user<index>`; Monban's seeded users are numbered from 1 in the same order. */
const userIndexOf = (accountId: string) => Number(accountId.slice(4));

/** The same user JSON as Monban's whoami and the limit's (targets/limit.ts). */
function whoamiBody(accountId: string): string {
  const index = userIndexOf(accountId);
  const nickname = `user${index}`;
  const avatar = `${issuer}/assets/globals/missing_avatar/x48.png`;
  return JSON.stringify({
    id: index + 1,
    nickname,
    avatar,
    image: { x160: avatar, x148: avatar, x80: avatar, x64: avatar, x48: avatar, x32: avatar, x16: avatar },
    last_online_at: new Date().toISOString(),
    url: `${issuer}/${nickname}`,
    name: null,
    sex: null,
    website: null,
    birth_on: null,
    full_years: null,
    locale: 'ru',
  });
}

const WHOAMI = '/api/users/whoami';
/** The scope the resource asks of a token (every seeded access token and the flow's carry it). */
const WHOAMI_SCOPE = 'profile';

/** RFC 6750 §3: a bearer challenge with an error. */
function refuse(ctx: { status: number; body: unknown; set(name: string, value: string): void }, status: number, error: string) {
  ctx.status = status;
  ctx.set('www-authenticate', `Bearer error="${error}"`);
  ctx.set('cache-control', 'no-store');
  ctx.body = { error };
}

provider.use(async (ctx, next) => {
  if (ctx.path !== WHOAMI || ctx.method !== 'GET') return next();
  const header = ctx.get('authorization');
  const value = header.startsWith('Bearer ') ? header.slice(7) : undefined;
  const token = value === undefined ? undefined : await provider.AccessToken.find(value);
  // find() returns nothing for an unknown token or one whose stored form fails the model's checks; expiry and
  // sender constraints (DPoP, mTLS) are the resource's to check, as the userinfo endpoint does.
  if (!token || token.isExpired || !token.accountId) return refuse(ctx, 401, 'invalid_token');
  if (token.jkt || token['x5t#S256']) return refuse(ctx, 401, 'invalid_token');
  if (!token.scopes.has(WHOAMI_SCOPE)) return refuse(ctx, 403, 'insufficient_scope');
  ctx.status = 200;
  ctx.set('cache-control', 'no-store');
  ctx.type = 'application/json';
  ctx.body = whoamiBody(token.accountId);
});

const handle = provider.callback();
const server = createServer((req, res) => {
  if (req.url?.startsWith('/interaction/')) {
    interaction(req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  handle(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
