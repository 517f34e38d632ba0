/**
 * Issue 16: MONBAN_SQLITE_MMAP_MB sets SQLite's `mmap_size` on the server's connection, so that a store larger than
 * the page cache is read through memory instead of a system call per page (docs/benchmarks.md, "Scale"); without it
 * SQLite's default (none) stays.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type OpenDatabase } from '../../src/storage/database.js';

const dir = mkdtempSync(join(tmpdir(), 'monban-mmap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function mmapSize(database: OpenDatabase): Promise<number | undefined> {
  const { rows } = await sql<{ mmap_size: number }>`pragma mmap_size`.execute(database.db);
  return rows[0]?.mmap_size;
}

describe('SQLite memory-mapped reads (MONBAN_SQLITE_MMAP_MB, issue 16)', () => {
  it('maps as many MiB as the setting says', async () => {
    const config = loadConfig({ MONBAN_SQLITE_MMAP_MB: '256' });
    const database = openDatabase(join(dir, 'mapped.sqlite3'), { mmapMb: config.sqliteMmapMb });
    try {
      assert.equal(await mmapSize(database), 256 * 1024 * 1024);
    } finally {
      await database.close();
    }
  });

  it('maps nothing by default', async () => {
    const config = loadConfig({});
    assert.equal(config.sqliteMmapMb, 0);
    const database = openDatabase(join(dir, 'unmapped.sqlite3'), { mmapMb: config.sqliteMmapMb });
    try {
      assert.equal(await mmapSize(database), 0);
    } finally {
      await database.close();
    }
  });
});
