import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Stores } from '../stores.js';
import { SqlApplicationStore } from './applications.js';
import { SqlAuthorizationCodeStore } from './codes.js';
import { SqlSessionStore } from './sessions.js';
import { SqlAccessTokenStore } from './tokens.js';
import { SqlUserStore } from './users.js';

/** The stores over one Kysely database (or transaction). */
export function sqlStores(db: Kysely<Database>): Stores {
  return {
    users: new SqlUserStore(db),
    applications: new SqlApplicationStore(db),
    codes: new SqlAuthorizationCodeStore(db),
    tokens: new SqlAccessTokenStore(db),
    sessions: new SqlSessionStore(db),
    transaction: (fn) => db.transaction().execute((trx) => fn(sqlStores(trx))),
  };
}
