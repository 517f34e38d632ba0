import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openSqlite } from '../../src/storage/database.js';

const dir = mkdtempSync(join(tmpdir(), 'monban-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fill(path: string, background: boolean) {
  const database = openSqlite(path, { backgroundCheckpoints: background });
  await sql`CREATE TABLE filler (body TEXT)`.execute(database.db);
  // About 500 pages of log: under both autocheckpoint thresholds, so only a background checkpoint copies them.
  for (let i = 0; i < 500; i++) await sql`INSERT INTO filler VALUES (${'x'.repeat(3000)})`.execute(database.db);
  return database;
}

describe('SQLite checkpoints from a background thread (storage/sqlite/checkpointer.ts)', () => {
  it('copies the log into the database file with no commit on the server connection', async () => {
    const path = join(dir, 'background.sqlite3');
    const database = await fill(path, true);
    try {
      const deadline = Date.now() + 5_000;
      while (statSync(path).size < 500 * 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(statSync(path).size >= 500 * 3000, `database file ${statSync(path).size} bytes`);
      const rows = await sql<{ n: number }>`SELECT count(*) AS n FROM filler`.execute(database.db);
      assert.equal(rows.rows[0]?.n, 500);
    } finally {
      await database.close();
    }
  });

  it('leaves the log alone without it (the CLI), below SQLite\'s own threshold', async () => {
    const path = join(dir, 'foreground.sqlite3');
    const database = await fill(path, false);
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      assert.ok(statSync(path).size < 500 * 3000, `database file ${statSync(path).size} bytes`);
    } finally {
      await database.close();
    }
  });

  it('says so when its thread stops, and the server connection checkpoints on commit again', async () => {
    const path = join(dir, 'stopped.sqlite3');
    const stopped: Error[] = [];
    const database = openSqlite(path, { backgroundCheckpoints: true, onBackgroundFailure: (err) => stopped.push(err) });
    // Gone before the thread opens it: the thread refuses to make a new, empty file, and stops.
    unlinkSync(path);
    try {
      const deadline = Date.now() + 5_000;
      while (stopped.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(stopped.length, 1);
      assert.match(stopped[0]?.message ?? '', /^the SQLite checkpoint thread stopped \(unable to open database file\)$/);
      const setting = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(database.db);
      assert.deepEqual(setting.rows, [{ wal_autocheckpoint: 1000 }]);
    } finally {
      await database.close();
    }
  });

  it('tells nobody when it is closed', async () => {
    const stopped: Error[] = [];
    const database = openSqlite(join(dir, 'closed.sqlite3'), {
      backgroundCheckpoints: true,
      onBackgroundFailure: (err) => stopped.push(err),
    });
    await new Promise((r) => setTimeout(r, 300));
    await database.close();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(stopped, []);
  });
});
