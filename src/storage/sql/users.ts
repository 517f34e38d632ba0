import { sql, type Kysely } from 'kysely';
import type { User } from '../../core/model.js';
import { LEGACY_KEY_PREFIX, legacyNicknameKey, nicknameKey } from '../../core/nickname-key.js';
import type { Database } from '../schema.js';
import { NicknameTaken, type NewUser, type UserStore } from '../../core/ports/stores.js';
import { isUniqueViolation } from './errors.js';
import type { Queries } from './queries.js';
import { toUser } from './rows.js';

export class SqlUserStore implements UserStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly queries: Queries['users'],
  ) {}

  async create(user: NewUser): Promise<User> {
    try {
      const row = await this.db
        .insertInto('users')
        .values({
          nickname: user.nickname,
          nickname_key: nicknameKey(user.nickname),
          email: user.email,
          password_hash: user.passwordHash,
          admin: user.admin ? 1 : 0,
          locale: user.locale,
          last_online_at: user.at,
          created_at: user.at,
          updated_at: user.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new NicknameTaken(`nickname "${user.nickname}" is taken`);
      throw err;
    }
  }

  async findById(id: number): Promise<User | undefined> {
    const row = await this.queries.findById.first(this.db, { id });
    return row && toUser(row);
  }

  /**
   * The account with this nickname's key, unless one of the accounts that migration 002 set apart has this very
   * nickname: that one is meant (migrations/002_nickname_skeleton.ts). One indexed query either way.
   */
  async findByNickname(nickname: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const legacyKey = `${LEGACY_KEY_PREFIX}${legacyNicknameKey(nickname)}`;
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('nickname_key', 'in', [nicknameKey(nickname), legacyKey])
      .execute();
    const row = rows.find((r) => r.nickname_key === legacyKey) ?? rows[0];
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  /** Written as migration 016's index on lower(email) is, so that both databases use it. */
  async findByEmail(email: string, limit: number): Promise<User[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', sql<string>`lower(${email})`)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toUser);
  }

  async touchLastOnline(id: number, at: number): Promise<void> {
    await this.db.updateTable('users').set({ last_online_at: at }).where('id', '=', id).execute();
  }

  async updatePassword(id: number, passwordHash: string, at: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: at })
      .where('id', '=', id)
      .execute();
  }

  async replacePasswordHash(id: number, expected: string, passwordHash: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: at })
      .where('id', '=', id)
      .where('password_hash', '=', expected)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
