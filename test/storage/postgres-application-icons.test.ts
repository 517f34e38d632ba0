import { after, before, describe } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';
import { applicationIconContract } from './application-icons-contract.js';

/** The application icon store contract on a real PostgreSQL (bytea): one database, emptied before every test. */
let database: TestDatabase | undefined;
if (!skipWithoutPostgres) {
  before(async () => {
    database = await createTestDatabase('application_icons');
  });
  after(async () => database?.drop());
}

describe('PostgreSQL', { skip: skipWithoutPostgres }, () => {
  applicationIconContract('PostgreSQL', async () => {
    if (!database) throw new Error('no test database');
    const opened = openDatabase(database.url);
    await migrateToLatest(opened);
    // Every table but the migrations' own; foreign keys cascade, so the order does not matter.
    const { rows } = await sql<{ tablename: string }>`
      select tablename from pg_tables where schemaname = current_schema() and tablename not like 'monban_migrations%'
    `.execute(opened.db);
    for (const { tablename } of rows) await sql`delete from ${sql.table(tablename)}`.execute(opened.db);
    return { stores: sqlStores(opened.db), close: () => opened.close() };
  });
});
