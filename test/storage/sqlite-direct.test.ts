import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { migrateToLatest, openSqlite, type OpenDatabase } from '../../src/storage/database.js';
import { StorageUnavailable } from '../../src/core/ports/storage-unavailable.js';
import type { NewAccessToken, Stores } from '../../src/core/ports/stores.js';
import { isUniqueViolation } from '../../src/storage/sql/errors.js';
import { sqlStores } from '../../src/storage/sql/index.js';

/**
 * The statements of the hot paths run on SQLite's connection directly (storage/sqlite/direct.ts), never inside a
 * transaction that another caller holds open, with the driver's error classification.
 */

const dir = mkdtempSync(join(tmpdir(), 'monban-direct-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Lets every callback queued so far run, and the promises they settle: a statement waiting for the lock does not. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SQLite statements run directly on the connection', () => {
  let path: string;
  let database: OpenDatabase;
  let stores: Stores;
  let applicationId: number;
  let userId: number;

  beforeEach(async () => {
    path = join(dir, `db-${++n}.sqlite3`);
    database = openSqlite(path);
    await migrateToLatest(database);
    stores = sqlStores(database.db);
    const user = await stores.users.create({
      nickname: 'alice',
      email: null,
      passwordHash: 'h',
      admin: false,
      locale: 'en',
      at: 1,
    });
    userId = user.id;
    const app = await stores.applications.create({
      uid: 'client-1',
      secretHash: 'secret-hash',
      name: 'App',
      redirectUris: ['https://a.example/cb'],
      scopes: ['user_rates'],
      allowedScopes: ['user_rates'],
      descriptionEn: 'en',
      descriptionRu: 'ru',
      ownerId: userId,
      at: 1,
    });
    applicationId = app.id;
  });
  afterEach(() => database.close());

  function newToken(tokenHash: string): NewAccessToken {
    return {
      tokenHash,
      refreshTokenHash: `r-${tokenHash}`,
      applicationId,
      userId,
      grantId: null,
      parentId: null,
      scopes: ['user_rates'],
      expiresIn: 86400,
      previousRefreshTokenHash: null,
      at: 2,
    };
  }

  /** Runs `fn` while Kysely's driver lends its one connection to someone else, with no transaction open on it. */
  async function withDriverBusy(fn: () => Promise<void>): Promise<void> {
    await database.db.connection().execute(fn);
  }

  it('answers the bearer check, the session and the grants without waiting for the driver', async () => {
    const token = await stores.tokens.create(newToken('t-1'));
    await stores.sessions.create('s-1', userId, 1, 10_000);
    let createdId: number | undefined;
    await withDriverBusy(async () => {
      // Each of these would wait for the driver's connection lock, held until this callback returns.
      const settled: string[] = [];
      const calls = [
        stores.tokens.findByTokenWithUser('t-1').then((found) => {
          assert.equal(found?.token.id, token.id);
          assert.equal(found?.user?.nickname, 'alice');
          settled.push('findByTokenWithUser');
        }),
        stores.sessions.findUser('s-1', 5).then((found) => {
          assert.equal(found?.id, userId);
          settled.push('sessions.findUser');
        }),
        stores.applications.findByUid('client-1').then((found) => {
          assert.equal(found?.id, applicationId);
          settled.push('applications.findByUid');
        }),
        stores.tokens.create(newToken('t-2')).then((created) => {
          createdId = created.id;
          settled.push('tokens.create');
        }),
        stores.tokens.lockForRefresh('r-t-1').then((locked) => {
          assert.equal(locked?.id, token.id);
          settled.push('tokens.lockForRefresh');
        }),
      ];
      await turn();
      assert.deepEqual(settled.sort(), [
        'applications.findByUid',
        'findByTokenWithUser',
        'sessions.findUser',
        'tokens.create',
        'tokens.lockForRefresh',
      ]);
      await Promise.all(calls);
    });
    assert.equal((await stores.tokens.findByToken('t-2'))?.id, createdId);
  });

  it('runs an outside statement after a transaction open on the connection, seeing what it committed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const transaction = stores.transaction(async (tx) => {
      const created = await tx.tokens.create(newToken('in-tx'));
      // The transaction's own handle sees its uncommitted write.
      assert.equal((await tx.tokens.findByTokenWithUser('in-tx'))?.token.id, created.id);
      opened();
      await gate;
      return created.id;
    });
    await open;
    let seen: number | undefined | 'pending' = 'pending';
    const outside = stores.tokens.findByTokenWithUser('in-tx').then((found) => (seen = found?.token.id));
    await turn();
    assert.equal(seen, 'pending', 'an outside read waits for the transaction rather than reading inside it');
    release();
    const id = await transaction;
    await outside;
    assert.equal(seen, id);
  });

  it('never writes inside a transaction another caller holds: its rollback does not undo the write', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const transaction = stores.transaction(async (tx) => {
      await tx.tokens.create(newToken('rolled-back'));
      opened();
      await gate;
      throw new Error('roll back');
    });
    await open;
    let written: number | undefined;
    const outsideWrite = stores.tokens.create(newToken('outside')).then((created) => (written = created.id));
    const outsideRead = stores.tokens.findByTokenWithUser('rolled-back');
    await turn();
    assert.equal(written, undefined);
    release();
    await assert.rejects(transaction, /roll back/);
    await outsideWrite;
    assert.equal(await outsideRead, undefined);
    assert.equal((await stores.tokens.findByToken('outside'))?.id, written);
    assert.equal(await stores.tokens.findByToken('rolled-back'), undefined);
  });

  it('waits for a transaction begun on the connection outside Kysely transactions too', async () => {
    let seen: number | undefined | 'pending' = 'pending';
    let outside: Promise<unknown> | undefined;
    await database.db.connection().execute(async (connection) => {
      await sql`begin`.execute(connection);
      await sqlStores(connection).tokens.create(newToken('raw-tx'));
      outside = stores.tokens.findByTokenWithUser('raw-tx').then((found) => (seen = found?.token.id));
      await turn();
      assert.equal(seen, 'pending');
      await sql`rollback`.execute(connection);
    });
    await outside;
    assert.equal(seen, undefined);
  });

  it('reports SQLITE_BUSY from a direct statement as StorageUnavailable, and other errors unchanged', async () => {
    await stores.tokens.create(newToken('taken'));
    // Fail at once instead of after the 5 s a server waits for the lock.
    await sql`pragma busy_timeout = 0`.execute(database.db);
    const holder = new SQLite(path);
    try {
      holder.exec('begin immediate');
      await withDriverBusy(async () => {
        await assert.rejects(
          stores.tokens.create(newToken('busy')),
          (err: unknown) => err instanceof StorageUnavailable && /SQLITE_BUSY|locked/i.test(err.message),
        );
      });
      holder.exec('rollback');
      await withDriverBusy(async () => {
        await assert.rejects(
          stores.tokens.create(newToken('taken')),
          (err: unknown) => !(err instanceof StorageUnavailable) && isUniqueViolation(err),
        );
        const free = await stores.tokens.create(newToken('free'));
        assert.equal((await stores.tokens.findByToken('free'))?.id, free.id);
      });
    } finally {
      holder.close();
    }
  });
});
