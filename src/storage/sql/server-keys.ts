import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ServerKeyStore } from '../../core/ports/stores.js';
import { REFRESH_SUCCESSOR_KEY } from '../migrations/005_refresh_reuse.js';
import type { Database } from '../schema.js';

/**
 * The key that derives refresh-token successors (core/refresh-successor.ts), read once at start-up. Migration 005
 * makes it; should its row be gone (deleted by hand), the first process to start makes another, and every process
 * reads whichever was stored first, so all of them still share one.
 */
export async function readRefreshSuccessorKey(db: Kysely<Database>): Promise<KeyObject> {
  const read = () =>
    db.selectFrom('server_keys').select('secret').where('name', '=', REFRESH_SUCCESSOR_KEY).executeTakeFirst();
  let row = await read();
  if (!row) {
    await db
      .insertInto('server_keys')
      .values({ name: REFRESH_SUCCESSOR_KEY, secret: randomBytes(32).toString('base64url'), created_at: Date.now() })
      .onConflict((oc) => oc.doNothing())
      .execute();
    row = await read();
  }
  if (!row) throw new Error(`server_keys holds no ${REFRESH_SUCCESSOR_KEY} key`);
  return createSecretKey(Buffer.from(row.secret, 'base64url'));
}

/** Reads server_keys by name (ports/stores.ts, ServerKeyStore): the pepper of imported passwords, say. */
export class SqlServerKeyStore implements ServerKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('server_keys').select('secret').where('name', '=', name).executeTakeFirst();
    return row?.secret;
  }
}
