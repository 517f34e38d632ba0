/**
 * How long `monban import doorkeeper` takes for a million tokens (README, "Moving from Doorkeeper"): builds a
 * Shikimori-shaped SQLite source (100 000 users, 1 000 applications, 10 000 codes, 1 000 000 tokens, most of them
 * live), imports it into a new Monban SQLite file, and prints the summary and the time. Not part of the tests.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/import-doorkeeper.js [TOKENS]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import SQLite from 'better-sqlite3';
import { importDoorkeeper } from '../src/import/doorkeeper/import.js';
import { StreamProgress } from '../src/import/doorkeeper/progress.js';
import { openSource } from '../src/import/doorkeeper/source.js';
import { formatSummary } from '../src/import/doorkeeper/summary.js';
import { migrateToLatest, openDatabase } from '../src/storage/database.js';
import { railsTime, SOURCE_DDL } from '../test/import/doorkeeper-source.js';

const TOKENS = Number(process.argv[2] ?? 1_000_000);
const USERS = 100_000;
const APPLICATIONS = 1_000;
const GRANTS = 10_000;
const DAY = 86_400_000;

function buildSource(path: string, now: number): void {
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  for (const statement of SOURCE_DDL.sqlite) db.exec(statement);
  const hash = bcrypt.hashSync('password-and-pepper', 4).replace(/^\$2b\$/, '$2a$');
  db.transaction(() => {
    const user = db.prepare(
      'insert into users (id, nickname, email, encrypted_password, locale, created_at) values (?, ?, ?, ?, ?, ?)',
    );
    for (let i = 1; i <= USERS; i++) {
      user.run(i, `user${i}`, `user${i}@example.com`, i % 20 === 0 ? '' : hash, 'ru', railsTime(now - 300 * DAY));
    }
    const app = db.prepare(
      `insert into oauth_applications (id, name, uid, secret, redirect_uri, scopes, owner_id, owner_type,
         confidential, allowed_scopes, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 'User', 1, '[]', ?, ?)`,
    );
    for (let i = 1; i <= APPLICATIONS; i++) {
      const at = railsTime(now - 200 * DAY);
      app.run(i, `App ${i}`, `uid-${i}`, `secret-${i}`, 'https://client.example/cb', 'user_rates', i, at, at);
    }
    const grant = db.prepare(
      `insert into oauth_access_grants (id, resource_owner_id, application_id, token, expires_in, redirect_uri,
         created_at, scopes) values (?, ?, ?, ?, 1800, 'https://client.example/cb', ?, 'user_rates')`,
    );
    for (let i = 1; i <= GRANTS; i++) {
      grant.run(i, (i % USERS) + 1, (i % APPLICATIONS) + 1, `grant-${i}`, railsTime(now - (i % 2) * 3600_000));
    }
    const token = db.prepare(
      `insert into oauth_access_tokens (id, resource_owner_id, application_id, token, refresh_token, expires_in,
         revoked_at, created_at, scopes, previous_refresh_token) values (?, ?, ?, ?, ?, 86400, ?, ?, ?, ?)`,
    );
    for (let i = 1; i <= TOKENS; i++) {
      // One in ten revoked; the others live or refreshable; one in five the unused successor of the one before.
      const revoked = i % 10 === 0 ? railsTime(now - DAY) : null;
      const previous = i % 5 === 1 && i > 1 ? `refresh-${i - 1}` : '';
      token.run(
        i,
        (i % USERS) + 1,
        (i % APPLICATIONS) + 1,
        `access-${i}`,
        `refresh-${i}`,
        revoked,
        railsTime(now - (i % 3) * DAY),
        'user_rates comments topics',
        previous,
      );
    }
  })();
  db.close();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'monban-import-bench-'));
  try {
    const now = Date.now();
    const sourcePath = join(dir, 'shikimori.sqlite3');
    let started = Date.now();
    buildSource(sourcePath, now);
    process.stdout.write(`Built the source (${TOKENS} tokens) in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);

    const target = openDatabase(join(dir, 'monban.sqlite3'));
    await migrateToLatest(target);
    const source = await openSource(sourcePath);
    started = Date.now();
    const summary = await importDoorkeeper(source, target, {
      pepper: 'pepper',
      dryRun: false,
      now,
      progress: new StreamProgress(process.stderr),
    });
    for (const line of formatSummary(summary)) process.stdout.write(`${line}\n`);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`${TOKENS} tokens: ${seconds.toFixed(1)} s, ${Math.round(TOKENS / seconds)} tokens/s.\n`);

    started = Date.now();
    const again = await importDoorkeeper(source, target, { pepper: 'pepper', dryRun: false, now });
    process.stdout.write(`A second run (nothing to do): ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
      `${again.tokens.imported} tokens imported.\n`);
    await source.close();
    await target.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
