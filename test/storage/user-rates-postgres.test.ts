import { after, before, describe } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';
import { userRateContract, type UserRateBackend } from './user-rates-contract.js';

/** The user rate store contract on a real PostgreSQL: one database for this file, emptied before every test. */
let database: TestDatabase | undefined;
if (!skipWithoutPostgres) {
  before(async () => {
    database = await createTestDatabase('user_rates');
  });
  after(async () => database?.drop());
}

async function backend(fresh: boolean): Promise<UserRateBackend> {
  if (!database) throw new Error('no test database');
  const opened = openDatabase(database.url);
  await migrateToLatest(opened);
  if (fresh) {
    // Every table but the migrations' own; foreign keys cascade, so the order does not matter.
    const { rows } = await sql<{ tablename: string }>`
      select tablename from pg_tables where schemaname = current_schema() and tablename not like 'monban_migrations%'
    `.execute(opened.db);
    for (const { tablename } of rows) await sql`delete from ${sql.table(tablename)}`.execute(opened.db);
  }
  return {
    stores: sqlStores(opened.db),
    close: () => opened.close(),
    deleteUser: async (id) => {
      await opened.db.deleteFrom('users').where('id', '=', id).execute();
    },
  };
}

describe('PostgreSQL', { skip: skipWithoutPostgres }, () => {
  userRateContract(
    'PostgreSQL, two connection pools',
    () => backend(true),
    () => backend(false),
  );
});
