import type { Kysely } from 'kysely';
import type { DialectTraits } from '../dialect.js';

/** Accounts, applications, codes, tokens and sessions. Times are epoch milliseconds (bigint). */
export function initial(dialect: DialectTraits) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('nickname', 'text', (c) => c.notNull())
        .addColumn('nickname_key', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text')
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locale', 'text', (c) => c.notNull().defaultTo('ru'))
        .addColumn('sex', 'text')
        .addColumn('website', 'text')
        .addColumn('last_online_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('applications')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('uid', 'text', (c) => c.notNull().unique())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('allowed_scopes', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('description_en', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('description_ru', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('confidential', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('applications_owner_id').on('applications').column('owner_id').execute();

      await db.schema
        .createTable('access_grants')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_in', 'integer', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('code_challenge', 'text')
        .addColumn('code_challenge_method', 'text')
        .execute();
      await db.schema
        .createIndex('access_grants_application_user')
        .on('access_grants')
        .columns(['application_id', 'user_id'])
        .execute();

      await db.schema
        .createTable('access_tokens')
        .addColumn('id', 'integer', dialect.idColumn)
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('refresh_token_hash', 'text', (c) => c.unique())
        .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('grant_id', 'integer')
        .addColumn('parent_id', 'integer')
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_in', 'integer', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('previous_refresh_token_hash', 'text')
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('access_tokens_application_user')
        .on('access_tokens')
        .columns(['application_id', 'user_id'])
        .execute();
      await db.schema.createIndex('access_tokens_grant_id').on('access_tokens').column('grant_id').execute();
      await db.schema.createIndex('access_tokens_user_id').on('access_tokens').column('user_id').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
    },
  };
}
