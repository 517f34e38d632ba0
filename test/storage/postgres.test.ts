import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase, pendingMigrations, type OpenDatabase } from '../../src/storage/database.js';
import { StorageUnavailable } from '../../src/core/ports/storage-unavailable.js';
import { openPostgres } from '../../src/storage/postgres/open.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';
import { storeContract, type Backend } from './contract.js';
import { MIGRATIONS } from '../helpers/migrations.js';


/** The store contract against a real PostgreSQL: one database for this run, emptied before every test. */
let database: TestDatabase | undefined;
if (!skipWithoutPostgres) {
  before(async () => {
    database = await createTestDatabase('store_contract');
  });
  after(async () => database?.drop());
}

/**
 * Empties every table but the migrations' own: much faster than a new schema or TRUNCATE on tables this small, and
 * sees tables that later migrations add. Foreign keys cascade, so the order does not matter.
 */
async function emptyTables(opened: OpenDatabase): Promise<void> {
  const { rows } = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = current_schema() and tablename not like 'monban_migrations%'
  `.execute(opened.db);
  await opened.db.transaction().execute(async (tx) => {
    for (const { tablename } of rows) await sql`delete from ${sql.table(tablename)}`.execute(tx);
  });
}

async function backend(fresh: boolean): Promise<Backend> {
  if (!database) throw new Error('no test database');
  const opened = openDatabase(database.url);
  await migrateToLatest(opened);
  if (fresh) await emptyTables(opened);
  return {
    stores: sqlStores(opened.db),
    close: () => opened.close(),
    // PostgreSQL always enforces foreign keys; only a superuser's `replica` role skips their triggers, cascade included.
    async deleteWithoutCascade(table, id) {
      await opened.db.transaction().execute(async (tx) => {
        await sql`set local session_replication_role = replica`.execute(tx);
        await tx.deleteFrom(table).where('id', '=', id).execute();
      });
    },
  };
}

describe('PostgreSQL', { skip: skipWithoutPostgres }, () => {
  // The twin is a second connection pool to the same database, as another Monban process has.
  storeContract(
    'PostgreSQL, two connection pools',
    () => backend(true),
    () => backend(false),
  );

  // After the contract: these start from an empty schema.
  describe('migrations', () => {
    it('applies every migration once, then finds none pending', async () => {
      await database!.reset();
      const opened = openDatabase(database!.url);
      try {
        assert.equal(opened.dialect.name, 'postgres');
        assert.deepEqual(await pendingMigrations(opened), MIGRATIONS);
        assert.deepEqual(await migrateToLatest(opened), MIGRATIONS);
        assert.deepEqual(await pendingMigrations(opened), []);
        assert.deepEqual(await migrateToLatest(opened), []);
      } finally {
        await opened.close();
      }
    });

    it('lets several processes migrate one empty database at once', async () => {
      await database!.reset();
      const pools = [1, 2, 3].map(() => openDatabase(database!.url));
      try {
        const applied = await Promise.all(pools.map((p) => migrateToLatest(p)));
        assert.deepEqual(applied.flat(), MIGRATIONS);
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
    });
  });

  describe('prepared statements', () => {
    it('runs the hot queries as named statements, prepared once per connection (sql/prepared.ts)', async () => {
      await database!.reset();
      const opened = openDatabase(database!.url);
      try {
        await migrateToLatest(opened);
        // One connection for all of it, so that its own pg_prepared_statements shows what it prepared.
        const prepared = await opened.db.connection().execute(async (connection) => {
          const stores = sqlStores(connection);
          for (let i = 0; i < 3; i++) assert.equal(await stores.tokens.findByTokenWithUser(`hash-${i}`), undefined);
          const { rows } = await sql<{ name: string; statement: string }>`
            select name, statement from pg_prepared_statements
          `.execute(connection);
          return rows;
        });
        const lookups = prepared.filter((r) => /"access_tokens"\."token_hash" = \$1/.test(r.statement));
        assert.equal(lookups.length, 1, JSON.stringify(prepared));
        assert.match(lookups[0]!.name, /^monban_\d+$/);
      } finally {
        await opened.close();
      }
    });
  });

  describe('an unreachable server', () => {
    it('is StorageUnavailable, from a query, a transaction or a migration', async () => {
      // Port 1 on the loopback: nothing listens, so the connection is refused at once.
      const unreachable = openPostgres('postgres://postgres@127.0.0.1:1/monban');
      try {
        const stores = sqlStores(unreachable.db);
        await assert.rejects(stores.users.findById(1), StorageUnavailable);
        await assert.rejects(stores.transaction((tx) => tx.codes.findByHash('x')), StorageUnavailable);
        await assert.rejects(migrateToLatest(unreachable), StorageUnavailable);
      } finally {
        await unreachable.close();
      }
    });

    it('is StorageUnavailable when a statement outlives the statement timeout, not a hung request', async () => {
      await database!.reset();
      const opened = openDatabase(database!.url);
      try {
        await migrateToLatest(opened);
        await assert.rejects(sql`select pg_sleep(10)`.execute(opened.db), StorageUnavailable);
        // The next query gets a working connection.
        assert.equal(await sqlStores(opened.db).users.findById(1), undefined);
      } finally {
        await opened.close();
      }
    });
  });
});
