/**
 * Issue 9: every SQLite connection through which Monban writes rows enforces foreign keys, so that its own deletes
 * cascade (SQLite leaves them off unless each connection turns them on). The checkpoint thread's connection writes
 * no rows (storage/sqlite/checkpointer-worker.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';

const dir = mkdtempSync(join(tmpdir(), 'monban-fk-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function foreignKeys(database: OpenDatabase): Promise<number | undefined> {
  const { rows } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(database.db);
  return rows[0]?.foreign_keys;
}

describe('SQLite connections enforce foreign keys (issue 9)', () => {
  const connections: Array<[string, string, { backgroundCheckpoints?: boolean }]> = [
    ['in memory', ':memory:', {}],
    ['a file, as the CLI opens it', join(dir, 'cli.sqlite3'), {}],
    ['a file, as the server opens it', join(dir, 'server.sqlite3'), { backgroundCheckpoints: true }],
  ];
  for (const [label, path, options] of connections) {
    it(`${label}: foreign_keys is on, and deleting a user cascades to their tokens`, async () => {
      const database = openDatabase(path, options);
      try {
        assert.equal(await foreignKeys(database), 1);
        await migrateToLatest(database);
        const stores = sqlStores(database.db);
        const at = 1_800_000_000_000;
        const user = await stores.users.create({
          nickname: 'alice',
          email: null,
          passwordHash: 'h',
          admin: false,
          locale: 'en',
          at,
        });
        const app = await stores.applications.create({
          uid: 'c',
          secretHash: 's',
          name: 'App',
          redirectUris: ['https://a.example/cb'],
          scopes: [],
          allowedScopes: [],
          descriptionEn: '',
          descriptionRu: '',
          ownerId: user.id,
          at,
        });
        await stores.tokens.create({
          tokenHash: 'at',
          refreshTokenHash: null,
          applicationId: app.id,
          userId: user.id,
          grantId: null,
          parentId: null,
          scopes: [],
          expiresIn: 60,
          previousRefreshTokenHash: null,
          at,
        });
        await database.db.deleteFrom('users').where('id', '=', user.id).execute();
        const left = await database.db.selectFrom('access_tokens').select('id').execute();
        assert.deepEqual(left, []);
      } finally {
        await database.close();
      }
    });
  }
});
