import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest, openSqlite } from '../../src/storage/database.js';
import type { Database } from '../../src/storage/schema.js';
import { sqlStores } from '../../src/storage/sql/index.js';

/**
 * Migration 015 leaves four indexes of access_tokens partial; each query that needs one still finds its rows through
 * it (SQLite's plans; docs of the migration give PostgreSQL's).
 */

const dir = mkdtempSync(join(tmpdir(), 'monban-indexes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NARROWED = [
  'access_tokens_grant_id',
  'access_tokens_parent_id_without_grant',
  'access_tokens_revoked_at',
  'access_tokens_user_id',
];

describe('access_tokens indexes (migration 015)', () => {
  it('are partial, and the queries that need them use them', async () => {
    const path = join(dir, 'indexes.sqlite3');
    const database = openSqlite(path);
    await migrateToLatest(database);
    await database.close();

    const connection = new SQLite(path);
    const statements: string[] = [];
    // The stores over a Kysely that logs the SQL they issue, on the migrated file.
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: connection }),
      log: (event) => {
        if (event.level === 'query') statements.push(event.query.sql);
      },
    });
    try {
      const partial = connection.pragma('index_list(access_tokens)') as { name: string; partial: number }[];
      assert.deepEqual(
        partial.filter((index) => index.partial === 1).map((index) => index.name).sort(),
        NARROWED,
      );

      const stores = sqlStores(db);
      const planOf = async (run: () => Promise<unknown>): Promise<string> => {
        statements.length = 0;
        await run();
        assert.equal(statements.length > 0, true);
        return statements
          .flatMap((text) => {
            const parameters = text.split('?').length - 1;
            const plan = connection.prepare(`explain query plan ${text}`).all(Array(parameters).fill(1));
            return (plan as { detail: string }[]).map((row) => row.detail);
          })
          .join('\n');
      };

      const byGrant = /USING INDEX access_tokens_grant_id \(grant_id=\?\)/;
      const byUser = /USING INDEX access_tokens_user_id \(user_id=\?\)/;
      assert.match(await planOf(() => stores.tokens.revokeFamily(1, 1)), byGrant);
      assert.match(await planOf(() => stores.tokens.revokeAllOfUser(1, 1)), byUser);
      assert.match(await planOf(() => stores.tokens.liveGrantsOfUser(1)), byUser);
      const chain = await planOf(() => stores.tokens.revokeChain(1, 1));
      assert.match(chain, /USING INDEX access_tokens_parent_id_without_grant \(parent_id=\?\)/);
      // Not every token without a grant, nor every live token, for each step.
      assert.doesNotMatch(chain, /access_tokens_grant_id|access_tokens_revoked_at/);
      const cleanup = await planOf(() => stores.tokens.deleteRetired(1, 10));
      assert.match(cleanup, /USING INDEX access_tokens_revoked_at \(revoked_at<\?\)/);
      assert.match(cleanup, /USING INDEX access_tokens_expiry/);
      assert.match(
        await planOf(() => stores.codes.deleteExpired(1, 10)),
        /USING COVERING INDEX access_tokens_grant_id \(grant_id=\?\)/,
      );
    } finally {
      await db.destroy();
    }
  });
});
