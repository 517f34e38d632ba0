import type { Kysely } from 'kysely';
import type { AuditEvent, AuditQuery, AuditStore, NewAuditEvent } from '../../core/ports/stores.js';
import type { Database } from '../schema.js';

/**
 * Rows per INSERT: 9 parameters each, well under PostgreSQL's 65,535 and SQLite's 32,766 parameters a statement.
 */
const APPEND_BATCH = 500;

function parseDetails(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    return isObject ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The audit log (migration 009): seldom read, written in batches by audit/audit-log.ts; queries built as they run. */
export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(events: readonly NewAuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += APPEND_BATCH) {
      const rows = events.slice(i, i + APPEND_BATCH).map((event) => ({
        at: event.at,
        type: event.type,
        user_id: event.userId,
        application_id: event.applicationId,
        client_id: event.clientId,
        address: event.address,
        user_agent: event.userAgent,
        details: JSON.stringify(event.details),
      }));
      await this.db.insertInto('audit_events').values(rows).execute();
    }
  }

  async list(query: AuditQuery): Promise<AuditEvent[]> {
    let select = this.db
      .selectFrom('audit_events as e')
      .leftJoin('users as u', 'u.id', 'e.user_id')
      .leftJoin('applications as a', 'a.id', 'e.application_id')
      .select([
        'e.id',
        'e.at',
        'e.type',
        'e.user_id',
        'e.application_id',
        'e.client_id',
        'e.address',
        'e.user_agent',
        'e.details',
        'u.nickname',
        'a.name as application_name',
        'a.uid as application_uid',
      ]);
    if (query.userId !== undefined) select = select.where('e.user_id', '=', query.userId);
    const { applicationId, clientId } = query;
    if (applicationId !== undefined && clientId !== undefined) {
      select = select.where((eb) =>
        eb.or([eb('e.application_id', '=', applicationId), eb('e.client_id', '=', clientId)]),
      );
    } else if (applicationId !== undefined) {
      select = select.where('e.application_id', '=', applicationId);
    } else if (clientId !== undefined) {
      select = select.where('e.client_id', '=', clientId);
    }
    if (query.types !== undefined && query.types.length > 0) select = select.where('e.type', 'in', [...query.types]);
    if (query.since !== undefined) select = select.where('e.at', '>=', query.since);
    const rows = await select.orderBy('e.at', 'desc').orderBy('e.id', 'desc').limit(query.limit).execute();
    return rows.map((row) => ({
      id: Number(row.id),
      at: Number(row.at),
      type: row.type,
      userId: row.user_id === null ? null : Number(row.user_id),
      applicationId: row.application_id === null ? null : Number(row.application_id),
      clientId: row.client_id ?? row.application_uid ?? null,
      address: row.address,
      userAgent: row.user_agent,
      details: parseDetails(row.details),
      nickname: row.nickname ?? null,
      applicationName: row.application_name ?? null,
    }));
  }

  async countByType(applicationId: number, types: readonly string[], since: number): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (types.length === 0) return counts;
    const rows = await this.db
      .selectFrom('audit_events')
      .select(['type', (eb) => eb.fn.countAll().as('count')])
      .where('application_id', '=', applicationId)
      .where('type', 'in', [...types])
      .where('at', '>=', since)
      .groupBy('type')
      .execute();
    for (const row of rows) counts.set(row.type, Number(row.count));
    return counts;
  }

  async deleteOlderThan(cutoff: number, limit: number): Promise<number> {
    // By id through a bounded subquery: one short statement per batch on both databases (neither has DELETE LIMIT).
    const result = await this.db
      .deleteFrom('audit_events')
      .where('id', 'in', (eb) =>
        eb.selectFrom('audit_events').select('id').where('at', '<', cutoff).orderBy('at').limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
