import type { Kysely } from 'kysely';
import type { PendingAuthorization } from '../../core/model.js';
import type { Database } from '../schema.js';
import type { AuthorizationRequestStore, NewPendingAuthorization } from '../../core/ports/stores.js';
import { splitList, toCodeChallenge } from './rows.js';
import { deleteExpiredRequests } from './cleanup.js';

type Row = {
  id: number;
  application_id: number;
  user_id: number;
  redirect_uri: string;
  scopes: string;
  state: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  device_code_id: number | null;
  created_at: number;
  expires_at: number;
};

function toPending(row: Row): PendingAuthorization {
  return {
    id: Number(row.id),
    applicationId: Number(row.application_id),
    userId: Number(row.user_id),
    redirectUri: row.redirect_uri,
    scopes: splitList(row.scopes),
    state: row.state,
    codeChallenge: toCodeChallenge(row.code_challenge, row.code_challenge_method),
    ...(row.device_code_id === null ? {} : { deviceCodeId: Number(row.device_code_id) }),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

const COLUMNS = [
  'id',
  'application_id',
  'user_id',
  'redirect_uri',
  'scopes',
  'state',
  'code_challenge',
  'code_challenge_method',
  'device_code_id',
  'created_at',
  'expires_at',
] as const;

/** Seldom-run queries (once per consent page and per decision), built as they run. */
export class SqlAuthorizationRequestStore implements AuthorizationRequestStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(request: NewPendingAuthorization): Promise<void> {
    await this.db
      .insertInto('authorization_requests')
      .values({
        id_hash: request.idHash,
        session_hash: request.sessionHash,
        user_id: request.userId,
        application_id: request.applicationId,
        redirect_uri: request.redirectUri,
        scopes: request.scopes.join(' '),
        state: request.state ?? null,
        code_challenge: request.codeChallenge?.challenge ?? null,
        code_challenge_method: request.codeChallenge?.method ?? null,
        device_code_id: request.deviceCodeId ?? null,
        created_at: request.at,
        expires_at: request.expiresAt,
      })
      .execute();
  }

  async findOpen(idHash: string, sessionHash: string, now: number): Promise<PendingAuthorization | undefined> {
    const row = await this.db
      .selectFrom('authorization_requests')
      .select(COLUMNS)
      .where('id_hash', '=', idHash)
      .where('session_hash', '=', sessionHash)
      .where('decided_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && toPending(row);
  }

  async decide(idHash: string, sessionHash: string, now: number): Promise<PendingAuthorization | undefined> {
    // One conditional UPDATE: of concurrent decisions, in any process, the database lets exactly one through.
    const row = await this.db
      .updateTable('authorization_requests')
      .set({ decided_at: now })
      .where('id_hash', '=', idHash)
      .where('session_hash', '=', sessionHash)
      .where('decided_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(COLUMNS)
      .executeTakeFirst();
    return row && toPending(row);
  }

  deleteExpired(before: number, limit: number): Promise<number> {
    return deleteExpiredRequests(this.db, before, limit);
  }
}
