import type { Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/**
 * The audit log (src/audit/, docs/audit.md): one row per security event, written in batches. No foreign keys to
 * users or applications, on purpose: a record of what happened outlives what it names (deleting a user or an
 * application must neither fail nor erase its history), ids are never reused (DialectTraits.idColumn), and rows go
 * after MONBAN_AUDIT_RETENTION seconds anyway.
 */
export function auditEvents(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('application_id', 'integer')
        // The client_id a client presented when it names no application (client_auth.failed), else null.
        .addColumn('client_id', 'text')
        .addColumn('address', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      // A user's events on their account page, newest first; retention and the whole log by time.
      await db.schema.createIndex('audit_events_user_id_at').on('audit_events').columns(['user_id', 'at']).execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
      // An owner's counts by type and time, and `monban audit --app`.
      await db.schema
        .createIndex('audit_events_application_id_type_at')
        .on('audit_events')
        .columns(['application_id', 'type', 'at'])
        .execute();
    },
  };
}
