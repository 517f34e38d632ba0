import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Application, ApplicationQuota } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { ApplicationChanges, ApplicationStore, NewApplication } from '../../core/ports/stores.js';
import type { Queries } from './queries.js';
import { toApplication } from './rows.js';

function quotaColumns(quota: ApplicationQuota | null) {
  return { quota_per_minute: quota?.perMinute ?? null, quota_per_day: quota?.perDay ?? null };
}

/**
 * The row's next version, set by the UPDATE itself so that its RETURNING gives it: migration 014's trigger bumps it
 * for any other UPDATE (PostgreSQL's sets the same value; SQLite's does nothing once the UPDATE has set it).
 */
const nextVersion = (eb: ExpressionBuilder<Database, 'applications'>) => eb('version', '+', 1);

export class SqlApplicationStore implements ApplicationStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly queries: Queries['applications'],
  ) {}

  async create(app: NewApplication): Promise<Application> {
    const row = await this.db
      .insertInto('applications')
      .values({
        uid: app.uid,
        secret_hash: app.secretHash,
        name: app.name,
        redirect_uri: app.redirectUris.join('\n'),
        scopes: app.scopes.join(' '),
        allowed_scopes: app.allowedScopes.join(' '),
        description_en: app.descriptionEn,
        description_ru: app.descriptionRu,
        owner_id: app.ownerId,
        confidential: app.confidential === false ? 0 : 1,
        created_at: app.at,
        updated_at: app.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApplication(row);
  }

  async findByUid(uid: string): Promise<Application | undefined> {
    const row = await this.queries.findByUid.first(this.db, { uid });
    return row && toApplication(row);
  }

  async findById(id: number): Promise<Application | undefined> {
    const row = await this.db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApplication(row);
  }

  async update(id: number, changes: ApplicationChanges): Promise<Application | undefined> {
    const row = await this.db
      .updateTable('applications')
      .set({
        name: changes.name,
        redirect_uri: changes.redirectUris.join('\n'),
        scopes: changes.scopes.join(' '),
        allowed_scopes: changes.allowedScopes.join(' '),
        description_en: changes.descriptionEn,
        description_ru: changes.descriptionRu,
        ...(changes.quota === undefined ? {} : quotaColumns(changes.quota)),
        updated_at: changes.at,
        version: nextVersion,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toApplication(row);
  }

  async setQuota(id: number, quota: ApplicationQuota | null, at: number): Promise<Application | undefined> {
    const row = await this.db
      .updateTable('applications')
      .set({ ...quotaColumns(quota), updated_at: at, version: nextVersion })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toApplication(row);
  }

  async replaceSecret(id: number, secretHash: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('applications')
      .set({ secret_hash: secretHash, updated_at: at, version: nextVersion })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Codes and tokens go with it: their foreign keys cascade (migrations/001_initial.ts). */
  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('applications').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async listByOwner(ownerId: number): Promise<Application[]> {
    const rows = await this.db
      .selectFrom('applications')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .orderBy('name')
      .orderBy('id')
      .execute();
    return rows.map(toApplication);
  }

  async listAll(limit: number): Promise<Application[]> {
    const rows = await this.db
      .selectFrom('applications')
      .selectAll()
      .orderBy('name')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toApplication);
  }

  async countUsers(applicationIds: number[]): Promise<Map<number, number>> {
    if (applicationIds.length === 0) return new Map();
    const holders = this.db
      .selectFrom('access_tokens')
      .select(['application_id', 'user_id'])
      .where('application_id', 'in', applicationIds)
      .where('revoked_at', 'is', null)
      .where('user_id', 'is not', null)
      .union(
        this.db
          .selectFrom('access_grants')
          .select(['application_id', 'user_id'])
          .where('application_id', 'in', applicationIds)
          .where('revoked_at', 'is', null),
      );
    // UNION (not UNION ALL) already leaves one row per (application, user).
    const rows = await this.db
      .selectFrom(holders.as('holders'))
      .select(['holders.application_id', (eb) => eb.fn.countAll<number | string | bigint>().as('users')])
      .groupBy('holders.application_id')
      .execute();
    return new Map(rows.map((r) => [Number(r.application_id), Number(r.users)]));
  }
}
