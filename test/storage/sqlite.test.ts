import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { migrateToLatest, openSqlite } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { storeContract, type Backend } from './contract.js';

async function backend(path: string): Promise<Backend> {
  const database = openSqlite(path);
  await migrateToLatest(database);
  return { stores: sqlStores(database.db), close: () => database.close() };
}

storeContract('SQLite in memory', () => backend(':memory:'));

const dir = mkdtempSync(join(tmpdir(), 'monban-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
let current = '';
storeContract(
  'SQLite file, two connections',
  () => {
    current = join(dir, `db-${++n}.sqlite3`);
    return backend(current);
  },
  () => backend(current),
);
