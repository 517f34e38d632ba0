/**
 * Store ports, gathered by stores.ts. The audit log of security events.
 */

/** One security event of the audit log (src/audit/), as it is written. */
export interface NewAuditEvent {
  at: number;
  type: string;
  userId: number | null;
  applicationId: number | null;
  /** The client_id a client presented, when it names no application. */
  clientId: string | null;
  address: string | null;
  userAgent: string | null;
  /** Small, JSON-serializable, never a secret. */
  details: Record<string, unknown>;
}

/** An audit event as read back, with the user's nickname and the application's name and client_id when they exist. */
export interface AuditEvent extends NewAuditEvent {
  id: number;
  nickname: string | null;
  applicationName: string | null;
}

export interface AuditQuery {
  userId?: number;
  /** Events of this application, or (with clientId) naming this client_id: either matches. */
  applicationId?: number;
  clientId?: string;
  types?: readonly string[];
  /** Events at or after this time. */
  since?: number;
  limit: number;
}

/** The audit log's rows: appended in batches, read newest first, deleted by age. */
export interface AuditStore {
  /** Writes these events, in one statement per few hundred. */
  append(events: readonly NewAuditEvent[]): Promise<void>;
  /** The events matching every given filter, newest first (by time, then by id). */
  list(query: AuditQuery): Promise<AuditEvent[]>;
  /** How many events of each of these types this application has had since `since`; absent types had none. */
  countByType(applicationId: number, types: readonly string[], since: number): Promise<Map<string, number>>;
  /** Deletes at most `limit` of the oldest events older than `cutoff`; returns how many it deleted. */
  deleteOlderThan(cutoff: number, limit: number): Promise<number>;
}
