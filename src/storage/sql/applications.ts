import type { Kysely } from 'kysely';
import type { Application } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { ApplicationStore, NewApplication } from '../stores.js';
import { toApplication } from './rows.js';

export class SqlApplicationStore implements ApplicationStore {
  constructor(private readonly db: Kysely<Database>) {}

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
        confidential: 1,
        created_at: app.at,
        updated_at: app.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApplication(row);
  }

  async findByUid(uid: string): Promise<Application | undefined> {
    const row = await this.db.selectFrom('applications').selectAll().where('uid', '=', uid).executeTakeFirst();
    return row && toApplication(row);
  }

  async findById(id: number): Promise<Application | undefined> {
    const row = await this.db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApplication(row);
  }
}
