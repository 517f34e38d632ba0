/**
 * `npm run example`: Monban on an embedded (in-memory SQLite) database, a user and two applications in it, and the
 * example website next to it; prints where to go and what to type. Ctrl-C stops both.
 *
 * Ports: EXAMPLE_MONBAN_PORT (default 4000) and EXAMPLE_SITE_PORT (default 4001). MONBAN_ACCESS_TOKEN_TTL (default
 * here 60 seconds, so that the refresh can be seen working) and other MONBAN_ settings are read as by `monban serve`.
 */
import { randomBytes } from 'node:crypto';
import { registerUser } from '../../src/accounts/accounts.js';
import { registerApplication } from '../../src/accounts/applications.js';
import { createMonban } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openSqlite } from '../../src/storage/database.js';
import { startWebsite } from './site.js';

const HOST = '127.0.0.1';
const monbanPort = Number(process.env.EXAMPLE_MONBAN_PORT ?? 4000);
const sitePort = Number(process.env.EXAMPLE_SITE_PORT ?? 4001);
const monbanUrl = `http://${HOST}:${monbanPort}`;
const siteUrl = `http://${HOST}:${sitePort}`;

const settings = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('MONBAN_')));
const config = loadConfig({
  MONBAN_ACCESS_TOKEN_TTL: '60',
  MONBAN_LOG_LEVEL: 'warn',
  ...settings,
  MONBAN_PUBLIC_URL: monbanUrl,
  PORT: String(monbanPort),
  HOST,
} as Record<string, string>);
const monban = await createMonban(config, { database: openSqlite(':memory:') });
await monban.server.listen({ port: monbanPort, host: HOST });

const now = Date.now();
const password = randomBytes(9).toString('base64url');
const user = await registerUser(monban.ctx.stores, { nickname: 'demo', password }, now);
const site = await registerApplication(
  monban.ctx.stores,
  { ownerId: user.id, name: 'Example website', redirectUris: [`${siteUrl}/callback`] },
  now,
);
// A few entries in demo's list, so that the list page has something to show.
const entries = [
  { targetType: 'Anime', targetId: 1, status: 'completed', score: 9, episodes: 26, chapters: 0 },
  { targetType: 'Anime', targetId: 21, status: 'watching', score: 8, episodes: 412, chapters: 0 },
  { targetType: 'Manga', targetId: 2, status: 'planned', score: 0, episodes: 0, chapters: 0 },
] as const;
for (const entry of entries) {
  await monban.ctx.stores.userRates.insert({
    ...entry,
    userId: user.id,
    rewatches: 0,
    volumes: 0,
    text: null,
    applicationId: site.application.id,
    at: now,
  });
}
const cli = await registerApplication(
  monban.ctx.stores,
  { ownerId: user.id, name: 'Example CLI', redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], confidential: false },
  now,
);
const website = await startWebsite({
  monbanUrl,
  clientId: site.application.uid,
  clientSecret: site.clientSecret ?? '',
  port: sitePort,
  host: HOST,
});

console.log(`Monban is listening on ${monbanUrl} (in-memory database: everything is gone when this stops)`);
console.log(`The example website is on ${website.url}`);
console.log('');
console.log(`  Open ${website.url} and sign in with`);
console.log(`    nickname: demo`);
console.log(`    password: ${password}`);
console.log(`  Access tokens live ${config.accessTokenTtl} s here: reload the list page after that, it keeps working.`);
console.log('');
console.log('  The command-line example (device grant), in another terminal:');
console.log(`    node dist/examples/cli/main.js --base-url ${monbanUrl} --client-id ${cli.application.uid}`);
console.log('');
console.log('Ctrl-C stops both.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void Promise.all([website.close(), monban.close()]).then(() => process.exit(0));
  });
}
