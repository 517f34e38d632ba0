import type { Kysely } from 'kysely';
import type { ApplicationIcon, ApplicationIconStore } from '../../core/ports/stores.js';
import type { Database } from '../schema.js';

/**
 * Uploaded icons (migration 013). Seldom-written, so built as they run. The icon's row and the application's
 * icon_version change together, in one transaction: the caller's, when the store is bound to one, else their own.
 */
export class SqlApplicationIconStore implements ApplicationIconStore {
  constructor(private readonly db: Kysely<Database>) {}

  private atomically<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
  }

  put(applicationId: number, icon: Omit<ApplicationIcon, 'updatedAt'>, at: number): Promise<boolean> {
    return this.atomically(async (db) => {
      // The application's row first: it must exist, and its row lock orders concurrent uploads (PostgreSQL).
      const updated = await db
        .updateTable('applications')
        .set({ icon_version: icon.version, updated_at: at })
        .where('id', '=', applicationId)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) return false;
      const values = { content_type: icon.contentType, bytes: icon.bytes, version: icon.version, updated_at: at };
      await db
        .insertInto('application_icons')
        .values({ application_id: applicationId, ...values })
        .onConflict((oc) => oc.column('application_id').doUpdateSet(values))
        .execute();
      return true;
    });
  }

  remove(applicationId: number, at: number): Promise<boolean> {
    return this.atomically(async (db) => {
      const deleted = await db
        .deleteFrom('application_icons')
        .where('application_id', '=', applicationId)
        .executeTakeFirst();
      if (deleted.numDeletedRows === 0n) return false;
      await db
        .updateTable('applications')
        .set({ icon_version: null, updated_at: at })
        .where('id', '=', applicationId)
        .execute();
      return true;
    });
  }

  async find(applicationId: number): Promise<ApplicationIcon | undefined> {
    const row = await this.db
      .selectFrom('application_icons')
      .select(['content_type', 'bytes', 'version', 'updated_at'])
      .where('application_id', '=', applicationId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      contentType: row.content_type,
      // Both drivers give a Buffer; a plain Uint8Array view of it keeps the model free of Node's type.
      bytes: new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength),
      version: row.version,
      updatedAt: Number(row.updated_at),
    };
  }
}
