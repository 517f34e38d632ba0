/**
 * `node dist/bench/sqlite-lookup.js [--tokens N] [--lookups N]`: what a token cache could save
 * whoami on SQLite (docs/benchmarks.md, "What bounds the targets still missed").
 *
 * The issue allows a cache of tokens only if every process sees another's revocation before its next request; on
 * SQLite that check is `PRAGMA data_version`, itself a statement that opens and closes a read transaction, as the
 * lookup does. This measures, on one connection in a loop, in the same process: the whoami lookup Monban runs
 * (its compiled statement), `PRAGMA data_version`, and `SELECT 1` (the floor of any statement). The lookup's cost
 * minus the check's is the most such a cache could take off a whoami.
 *
 * The store is seeded as the benchmark seeds its SQLite targets (bench/seed.ts), with N resident tokens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { secretHash } from '../src/core/secrets.js';
import type { Database as Schema } from '../src/storage/schema.js';
import { compileQueries } from '../src/storage/sql/queries.js';
import { PREPARED_STATEMENT_NAMES } from '../src/storage/sql/prepared.js';
import { benchSecret } from './common.js';
import { seedSqlite } from './seed.js';

const { values } = parseArgs({
  options: { tokens: { type: 'string', default: '10000' }, lookups: { type: 'string', default: '200000' } },
});
const TOKENS = Number(values.tokens);
const LOOKUPS = Number(values.lookups);

const dir = mkdtempSync(join(tmpdir(), 'monban-lookup-'));
const path = join(dir, 'store.sqlite3');
try {
  const cli = join(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
  seedSqlite([cli], dir, path, { users: 1000, resident: TOKENS, refreshPool: 0, codePool: 0 }, 'lookup');
  const sqlite = new Database(path);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  compileQueries(db);
  const lookupSql = [...PREPARED_STATEMENT_NAMES.keys()].find(
    (sql) => sql.includes('inner join "applications"') && sql.includes('"access_tokens"."token_hash" = ?'),
  );
  if (lookupSql === undefined) throw new Error("whoami's lookup statement not found among the compiled ones");
  const lookup = sqlite.prepare(lookupSql);
  const hashes = Array.from({ length: TOKENS }, (_, i) => secretHash(benchSecret('resident-access', i)));
  if (lookup.get(hashes[0]) === undefined) throw new Error('the store holds no bench token 0: seed it as bench/seed.ts does');
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const one = sqlite.prepare('SELECT 1').pluck();

  const measure = (run: (i: number) => unknown): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < LOOKUPS; i++) run(i);
    return Number(process.hrtime.bigint() - start) / LOOKUPS / 1000;
  };
  const rows: [string, (i: number) => unknown][] = [
    ["whoami's lookup (token, application, user)", (i) => lookup.get(hashes[(i * 7919) % TOKENS])],
    ['PRAGMA data_version', () => dataVersion.get()],
    ['SELECT 1', () => one.get()],
  ];
  const results = new Map<string, number[]>();
  for (let round = 0; round < 3; round++) {
    for (const [name, run] of rows) results.set(name, [...(results.get(name) ?? []), measure(run)]);
  }
  console.log(`SQLite ${String(sqlite.prepare('select sqlite_version()').pluck().get())}, ${TOKENS} tokens, ` +
    `${LOOKUPS} calls a round, best of 3 rounds, microseconds per call:`);
  for (const [name, times] of results) console.log(`  ${name.padEnd(44)} ${Math.min(...times).toFixed(2)}`);
  await db.destroy();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

