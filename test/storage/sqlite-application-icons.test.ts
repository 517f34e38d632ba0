import { migrateToLatest, openSqlite } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';
import { applicationIconContract } from './application-icons-contract.js';

applicationIconContract('SQLite in memory', async () => {
  const database = openSqlite(':memory:');
  await migrateToLatest(database);
  return { stores: sqlStores(database.db), close: () => database.close() };
});
