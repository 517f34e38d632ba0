import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import type { DeviceCode } from '../../core/model.js';
import type { DeviceCodeStore, DeviceDecision, NewDeviceCode } from '../../core/ports/stores.js';
import type { Database, DeviceCodesTable } from '../schema.js';
import { isUniqueViolation } from './errors.js';
import { splitList } from './rows.js';
import { deleteExpiredDeviceCodes } from './cleanup.js';

function toDeviceCode(row: Selectable<DeviceCodesTable>): DeviceCode {
  return {
    id: Number(row.id),
    applicationId: Number(row.application_id),
    scopes: splitList(row.scopes),
    status: row.status === 'approved' || row.status === 'denied' ? row.status : 'pending',
    userId: row.user_id === null ? null : Number(row.user_id),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    interval: Number(row.poll_interval),
    lastPolledAt: row.last_polled_at === null ? null : Number(row.last_polled_at),
    redeemedAt: row.redeemed_at === null ? null : Number(row.redeemed_at),
  };
}

/**
 * The device code's application and user still exist, checked in the statement that redeems it, as for codes and
 * tokens (queries.ts): a row deleted without its cascade never leaves a device code that yields tokens.
 */
function ownersExist(eb: ExpressionBuilder<Database, 'device_codes'>): Expression<SqlBool> {
  const application = eb
    .selectFrom('applications')
    .select('applications.id')
    .whereRef('applications.id', '=', 'device_codes.application_id');
  const user = eb.selectFrom('users').select('users.id').whereRef('users.id', '=', 'device_codes.user_id');
  return eb.and([eb.exists(application), eb.exists(user)]);
}

/**
 * Device codes: a few queries per device, built as they run. Every change of state is one conditional UPDATE, so
 * that the database, not this process, decides between concurrent callers.
 */
export class SqlDeviceCodeStore implements DeviceCodeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(code: NewDeviceCode): Promise<DeviceCode | undefined> {
    try {
      const row = await this.db
        .insertInto('device_codes')
        .values({
          device_code_hash: code.deviceCodeHash,
          user_code_hash: code.userCodeHash,
          application_id: code.applicationId,
          scopes: code.scopes.join(' '),
          status: 'pending',
          poll_interval: code.interval,
          created_at: code.at,
          expires_at: code.expiresAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDeviceCode(row);
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  async findByHash(deviceCodeHash: string): Promise<DeviceCode | undefined> {
    const row = await this.db
      .selectFrom('device_codes')
      .selectAll()
      .where('device_code_hash', '=', deviceCodeHash)
      .executeTakeFirst();
    return row && toDeviceCode(row);
  }

  async findPendingByUserCode(userCodeHash: string, now: number): Promise<DeviceCode | undefined> {
    const row = await this.db
      .selectFrom('device_codes')
      .selectAll()
      .where('user_code_hash', '=', userCodeHash)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && toDeviceCode(row);
  }

  async decide(id: number, decision: DeviceDecision, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('device_codes')
      .set({
        status: decision.approved ? 'approved' : 'denied',
        user_id: decision.userId,
        decided_at: at,
        ...(decision.approved ? { scopes: decision.scopes.join(' ') } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', at)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async recordPoll(id: number, lastPolledAt: number | null, interval: number, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('device_codes')
      .set({ last_polled_at: at, poll_interval: interval })
      .where('id', '=', id)
      .where((eb) =>
        lastPolledAt === null ? eb('last_polled_at', 'is', null) : eb('last_polled_at', '=', lastPolledAt),
      )
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async withdrawApprovals(userId: number, applicationId: number | undefined, at: number): Promise<number[]> {
    let query = this.db
      .updateTable('device_codes')
      .set({ status: 'denied', decided_at: at })
      .where('user_id', '=', userId)
      .where('status', '=', 'approved')
      .where('redeemed_at', 'is', null);
    if (applicationId !== undefined) query = query.where('application_id', '=', applicationId);
    const rows = await query.returning('application_id').execute();
    return [...new Set(rows.map((r) => Number(r.application_id)))];
  }

  async redeem(deviceCodeHash: string, applicationId: number, at: number): Promise<DeviceCode | undefined> {
    const row = await this.db
      .updateTable('device_codes')
      .set({ redeemed_at: at })
      .where('device_code_hash', '=', deviceCodeHash)
      .where('application_id', '=', applicationId)
      .where('status', '=', 'approved')
      .where('redeemed_at', 'is', null)
      .where('expires_at', '>', at)
      .where(ownersExist)
      .returningAll()
      .executeTakeFirst();
    return row && toDeviceCode(row);
  }

  deleteExpired(before: number, limit: number): Promise<number> {
    return deleteExpiredDeviceCodes(this.db, before, limit);
  }
}
