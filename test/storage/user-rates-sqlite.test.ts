import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { migrateToLatest, openSqlite } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { userRateContract, type UserRateBackend } from './user-rates-contract.js';

async function backend(path: string): Promise<UserRateBackend> {
  const database = openSqlite(path);
  await migrateToLatest(database);
  return {
    stores: sqlStores(database.db),
    close: () => database.close(),
    deleteUser: async (id) => {
      await database.db.deleteFrom('users').where('id', '=', id).execute();
    },
  };
}

userRateContract('SQLite in memory', () => backend(':memory:'));

const dir = mkdtempSync(join(tmpdir(), 'monban-user-rates-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let current = '';
userRateContract(
  'SQLite file, two connections',
  () => {
    current = join(dir, `db-${++n}.sqlite3`);
    return backend(current);
  },
  () => backend(current),
  false,
);
