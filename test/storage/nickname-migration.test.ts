/**
 * Migration 002 (issue 9: look-alike nicknames): keys of existing accounts are recomputed, on SQLite and on
 * PostgreSQL. Accounts that now look alike keep signing in, each by its own nickname.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator } from 'kysely';
import { LEGACY_KEY_PREFIX, legacyNicknameKey, nicknameKey } from '../../src/core/nickname-key.js';
import { migrateToLatest, openDatabase, openSqlite, type OpenDatabase } from '../../src/storage/database.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { NicknameTaken } from '../../src/core/ports/stores.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';

/** Accounts made before 002, oldest first; the keys they had then were NFC lower case. */
const BEFORE = [
  'alice',
  '\u0430lice', // Cyrillic а: looks like the older alice
  'ａｌｉｃｅ', // fullwidth: the same
  'mike',
  'rnike', // looks like the older mike; its old key is mike's new one, so the keys must move in two passes
  '\u043elga', // Cyrillic о
  'Olga', // Latin, younger than the Cyrillic one
  'алиса',
  'алина',
  'Bob',
];

async function migratedFrom001(database: OpenDatabase): Promise<Map<string, number>> {
  const migrator = new Migrator({
    db: database.db,
    provider: migrationProvider(database.dialect),
    migrationTableName: 'monban_migrations',
    migrationLockTableName: 'monban_migrations_lock',
  });
  const { error } = await migrator.migrateTo('001_initial');
  assert.equal(error, undefined);
  const ids = new Map<string, number>();
  for (const nickname of BEFORE) {
    const row = await database.db
      .insertInto('users')
      .values({
        nickname,
        nickname_key: legacyNicknameKey(nickname),
        email: null,
        password_hash: `hash of ${nickname}`,
        admin: 0,
        locale: 'ru',
        sex: null,
        website: null,
        last_online_at: 1,
        created_at: 1,
        updated_at: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(nickname, row.id);
  }
  const applied = await migrateToLatest(database);
  assert.equal(applied[0], '002_nickname_skeleton');
  return ids;
}

function migrationSuite(name: string, open: () => Promise<OpenDatabase>): void {
  describe(`migration 002_nickname_skeleton: ${name}`, () => {
    let database: OpenDatabase;
    let ids: Map<string, number>;
    before(async () => {
      database = await open();
      ids = await migratedFrom001(database);
    });
    after(() => database.close());

    it('gives the oldest of look-alike accounts the shared key, the younger ones their old key set apart', async () => {
      const rows = await database.db.selectFrom('users').select(['nickname', 'nickname_key']).orderBy('id').execute();
      const keys = Object.fromEntries(rows.map((r) => [r.nickname, r.nickname_key]));
      assert.deepEqual(keys, {
        alice: nicknameKey('alice'),
        '\u0430lice': `${LEGACY_KEY_PREFIX}\u0430lice`,
        'ａｌｉｃｅ': `${LEGACY_KEY_PREFIX}ａｌｉｃｅ`,
        mike: nicknameKey('mike'),
        rnike: `${LEGACY_KEY_PREFIX}rnike`,
        '\u043elga': nicknameKey('olga'),
        Olga: `${LEGACY_KEY_PREFIX}olga`,
        'алиса': nicknameKey('алиса'),
        'алина': nicknameKey('алина'),
        Bob: nicknameKey('bob'),
      });
    });

    it('signs in every account by its own nickname, in any case; a look-alike spelling finds the oldest', async () => {
      const stores = sqlStores(database.db);
      for (const nickname of BEFORE) {
        for (const typed of [nickname, nickname.toUpperCase()]) {
          const found = await stores.users.findByNickname(typed);
          assert.equal(found?.user.id, ids.get(nickname), typed);
          assert.equal(found?.passwordHash, `hash of ${nickname}`, typed);
        }
      }
      assert.equal((await stores.users.findByNickname('ａlice'))?.user.id, ids.get('alice'));
      assert.equal((await stores.users.findByNickname('rnik\u0435'))?.user.id, ids.get('mike'));
    });

    it('refuses every new look-alike', async () => {
      const stores = sqlStores(database.db);
      const newUser = (nickname: string) =>
        stores.users.create({ nickname, email: null, passwordHash: 'h', admin: false, locale: 'en', at: 2 });
      for (const nickname of ['ALICE', '\u0430LICE', 'rnike', 'RNIKE', 'olga', 'Алиса', 'b0b']) {
        await assert.rejects(newUser(nickname), NicknameTaken, nickname);
      }
      assert.equal((await newUser('carol')).nickname, 'carol');
    });
  });
}

migrationSuite('SQLite', async () => openSqlite(':memory:'));

describe('PostgreSQL', { skip: skipWithoutPostgres }, () => {
  let test: TestDatabase | undefined;
  before(async () => {
    test = await createTestDatabase('nickname_migration');
  });
  after(async () => test?.drop());
  migrationSuite('PostgreSQL', async () => {
    if (!test) throw new Error('no test database');
    return openDatabase(test.url);
  });
});
