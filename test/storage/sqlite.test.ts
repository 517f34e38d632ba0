import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { migrateToLatest, openSqlite } from '../../src/storage/database.js';
import { StorageUnavailable } from '../../src/core/ports/storage-unavailable.js';
import { runCli } from '../helpers/process.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { storeContract, type Backend } from './contract.js';
import { APPLIED_ALL } from '../helpers/migrations.js';

async function backend(path: string): Promise<Backend> {
  const database = openSqlite(path);
  await migrateToLatest(database);
  return {
    stores: sqlStores(database.db),
    close: () => database.close(),
    // Monban's connection runs with foreign keys on (storage/database.ts): off for this one delete, then on again.
    async deleteWithoutCascade(table, id) {
      await sql`pragma foreign_keys = off`.execute(database.db);
      try {
        await database.db.deleteFrom(table).where('id', '=', id).execute();
      } finally {
        await sql`pragma foreign_keys = on`.execute(database.db);
      }
    },
  };
}

storeContract('SQLite in memory', () => backend(':memory:'));

const dir = mkdtempSync(join(tmpdir(), 'monban-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let current = '';
storeContract(
  'SQLite file, two connections',
  async () => {
    current = join(dir, `db-${++n}.sqlite3`);
    return { ...(await backend(current)), blockingTwin: true };
  },
  () => backend(current),
);

describe('SQLite locked past its busy timeout', () => {
  it('is StorageUnavailable (503 upstream), not an unexpected error', async () => {
    const path = join(dir, 'locked.sqlite3');
    const database = openSqlite(path);
    await migrateToLatest(database);
    // Keep the test quick: wait 50 ms for the lock instead of the 5 s a server waits.
    await sql`pragma busy_timeout = 50`.execute(database.db);
    const holder = new SQLite(path);
    try {
      holder.exec('begin immediate');
      const stores = sqlStores(database.db);
      await assert.rejects(
        stores.sessions.create('s', 1, 0, 1),
        (err: unknown) => err instanceof StorageUnavailable && /SQLITE_BUSY|locked/i.test(err.message),
      );
      holder.exec('rollback');
      // Once the lock is gone the same connection works again.
      assert.equal(await stores.sessions.findUser('s', 0), undefined);
    } finally {
      holder.close();
      await database.close();
    }
  });
});

describe('SQLite migrations from several processes', () => {
  it('applies each migration once when processes migrate one new file at the same time', async () => {
    const path = join(dir, 'racing-migrations.sqlite3');
    // Hold the write lock while the processes start, so that they all reach the database before any may write.
    const holder = new SQLite(path);
    holder.pragma('journal_mode = WAL');
    holder.exec('begin immediate');
    const runs = Promise.all([1, 2, 3, 4].map(() => runCli(['migrate'], { MONBAN_DATABASE_URL: path })));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    holder.exec('rollback');
    holder.close();
    const done = await runs;
    for (const run of done) assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(done.map((r) => r.stdout).sort(), [
      APPLIED_ALL,
      'The database is up to date.\n',
      'The database is up to date.\n',
      'The database is up to date.\n',
    ]);
  });
});
