import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Stores } from '../../core/ports/stores.js';
import { SqlApplicationStore } from './applications.js';
import { SqlApplicationIconStore } from './application-icons.js';
import { SqlAuditStore } from './audit-events.js';
import { SqlAuthorizationRequestStore } from './authorization-requests.js';
import { SqlAuthorizationCodeStore } from './codes.js';
import { SqlDeviceCodeStore } from './device-codes.js';
import { SqlLeaseStore } from './leases.js';
import { SqlPasswordResetStore } from './password-resets.js';
import { runInTransaction } from './prepared.js';
import { compileQueries, type Queries } from './queries.js';
import { SqlSecretRevealStore } from './secret-reveals.js';
import { SqlServerKeyStore } from './server-keys.js';
import { SqlSessionStore } from './sessions.js';
import { SqlAccessTokenStore } from './tokens.js';
import { SqlUserStore } from './users.js';
import { SqlUserRateStore } from './user-rates.js';

/** The stores over one Kysely database (or a transaction on it, sharing its compiled queries). */
export function sqlStores(db: Kysely<Database>, queries: Queries = compileQueries(db)): Stores {
  return {
    users: new SqlUserStore(db, queries.users),
    applications: new SqlApplicationStore(db, queries.applications),
    codes: new SqlAuthorizationCodeStore(db, queries.codes),
    tokens: new SqlAccessTokenStore(db, queries.tokens),
    sessions: new SqlSessionStore(db, queries.sessions),
    authorizationRequests: new SqlAuthorizationRequestStore(db),
    deviceCodes: new SqlDeviceCodeStore(db),
    leases: new SqlLeaseStore(db),
    secretReveals: new SqlSecretRevealStore(db),
    audit: new SqlAuditStore(db),
    serverKeys: new SqlServerKeyStore(db),
    userRates: new SqlUserRateStore(db),
    applicationIcons: new SqlApplicationIconStore(db),
    passwordResets: new SqlPasswordResetStore(db),
    transaction: (fn) => runInTransaction(db, (trx) => fn(sqlStores(trx, queries))),
  };
}
