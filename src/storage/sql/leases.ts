import type { Kysely } from 'kysely';
import type { LeaseStore } from '../../core/ports/stores.js';
import type { Database } from '../schema.js';

/** Leases (migration 010): one row per name, taken over by one conditional upsert once it has run out. */
export class SqlLeaseStore implements LeaseStore {
  constructor(private readonly db: Kysely<Database>) {}

  async acquire(name: string, holder: string, now: number, until: number): Promise<boolean> {
    // Both databases run INSERT ... ON CONFLICT DO UPDATE ... WHERE as one atomic step: of concurrent callers, the
    // first inserts (or takes over the expired row) and every other finds a live lease and changes nothing.
    const row = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: until })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ holder, expires_at: until }).where('leases.expires_at', '<=', now),
      )
      .returning('holder')
      .executeTakeFirst();
    return row !== undefined;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }
}
