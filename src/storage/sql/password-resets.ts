import type { Kysely } from 'kysely';
import type { NewPasswordReset, PasswordResetStore } from '../../core/ports/stores.js';
import type { Database } from '../schema.js';

/**
 * Password resets (migration 016). Seldom-run queries, built as they run. A new reset and the voiding of the user's
 * earlier ones happen in one transaction: the caller's, when the store is bound to one, else their own.
 */
export class SqlPasswordResetStore implements PasswordResetStore {
  constructor(private readonly db: Kysely<Database>) {}

  private atomically<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
  }

  create(reset: NewPasswordReset): Promise<void> {
    return this.atomically(async (db) => {
      await db
        .updateTable('password_resets')
        .set({ used_at: reset.at })
        .where('user_id', '=', reset.userId)
        .where('used_at', 'is', null)
        .execute();
      await db
        .insertInto('password_resets')
        .values({
          user_id: reset.userId,
          token_hash: reset.tokenHash,
          created_at: reset.at,
          expires_at: reset.expiresAt,
          used_at: null,
        })
        .execute();
    });
  }

  async findUsable(tokenHash: string, now: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('password_resets')
      .select('user_id')
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && Number(row.user_id);
  }

  async consume(tokenHash: string, now: number): Promise<number | undefined> {
    // One conditional UPDATE ... RETURNING: of concurrent uses, in any process, the database gives the row to one.
    const row = await this.db
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    return row && Number(row.user_id);
  }

  async deleteExpired(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('password_resets')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('password_resets as r')
          .select('r.id')
          .where((w) => w.or([w('r.expires_at', '<', before), w('r.used_at', '<', before)]))
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
