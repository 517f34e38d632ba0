import type { Kysely, RawBuilder } from 'kysely';
import type { Database } from '../schema.js';
import { TOKEN_EXPIRY } from '../migrations/010_cleanup.js';

/**
 * The cleanup's deletes (core/cleanup.ts decides the cutoffs; these only persist). Each is one statement deleting
 * at most `limit` rows picked by a subquery, so that a batch holds its locks briefly and a large backlog is worked
 * off batch after batch. The same SQL runs on SQLite and PostgreSQL; the expiry expressions match migration 010's
 * indexes as written.
 */

const expiry = TOKEN_EXPIRY as RawBuilder<number>;

const deleted = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);

/**
 * Tokens whose access token expired, or which were revoked, before `cutoff`, and whose parent (the token whose
 * refresh made them) no longer exists. Deleting parents first keeps every live token's ancestors a chain that
 * revokeChain can walk, and never lets a revoked successor go while its parent's refresh token still works: a
 * refresh would make it again (createIfAbsent), revoked no more.
 */
export async function deleteRetiredTokens(db: Kysely<Database>, cutoff: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('access_tokens')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('access_tokens as t')
        .select('t.id')
        .where((w) => w.or([w('t.revoked_at', '<', cutoff), w(expiry, '<', cutoff)]))
        .where((w) =>
          w.not(w.exists(w.selectFrom('access_tokens as p').select('p.id').whereRef('p.id', '=', 't.parent_id'))),
        )
        .limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

/**
 * Codes that expired before `before` from which no token descends any more. A consumed code is kept while any token
 * of its family is, so that presenting it again still revokes them (RFC 9700 §4.5); the family root of a device's
 * tokens (grants/device-code.ts) likewise.
 */
export async function deleteExpiredCodes(db: Kysely<Database>, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('access_grants')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('access_grants as g')
        .select('g.id')
        .where(expiry, '<', before)
        .where((w) =>
          w.not(w.exists(w.selectFrom('access_tokens as t').select('t.id').whereRef('t.grant_id', '=', 'g.id'))),
        )
        .limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

export async function deleteExpiredSessions(db: Kysely<Database>, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('id_hash', 'in', (eb) =>
      eb.selectFrom('sessions').select('id_hash').where('expires_at', '<', before).limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

export async function deleteExpiredRequests(db: Kysely<Database>, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('authorization_requests')
    .where('id', 'in', (eb) =>
      eb.selectFrom('authorization_requests as r').select('r.id').where('r.expires_at', '<', before).limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

export async function deleteExpiredDeviceCodes(db: Kysely<Database>, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('device_codes')
    .where('id', 'in', (eb) =>
      eb.selectFrom('device_codes as d').select('d.id').where('d.expires_at', '<', before).limit(limit),
    )
    .executeTakeFirst();
  return deleted(result);
}

