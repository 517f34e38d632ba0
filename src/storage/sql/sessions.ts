import type { Kysely } from 'kysely';
import type { User } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { SessionStore } from '../../core/ports/stores.js';
import type { Queries } from './queries.js';
import { toUser } from './rows.js';
import { deleteExpiredSessions } from './cleanup.js';

export class SqlSessionStore implements SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly queries: Queries['sessions'],
  ) {}

  async create(idHash: string, userId: number, at: number, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ id_hash: idHash, user_id: userId, created_at: at, expires_at: expiresAt })
      .execute();
  }

  async findUser(idHash: string, now: number): Promise<User | undefined> {
    const row = await this.queries.findUser.first(this.db, { hash: idHash, now });
    return row && toUser(row);
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteAllForUser(userId: number, exceptIdHash?: string): Promise<number> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptIdHash !== undefined) query = query.where('id_hash', '!=', exceptIdHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  deleteExpired(before: number, limit: number): Promise<number> {
    return deleteExpiredSessions(this.db, before, limit);
  }
}
