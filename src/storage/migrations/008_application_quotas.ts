import type { Kysely } from 'kysely';

/**
 * Per-application request quotas (core/quota.ts, security.md): an administrator may limit the requests an
 * application's tokens make per minute and per day. Null is no limit, which every existing application keeps. The
 * bearer check reads them with the token (its one query joins the application), so they cost no query of their own.
 */
export function applicationQuotas() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('applications').addColumn('quota_per_minute', 'integer').execute();
      await db.schema.alterTable('applications').addColumn('quota_per_day', 'integer').execute();
    },
  };
}
