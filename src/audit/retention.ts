import type { CleanupTask } from '../core/cleanup.js';
import type { AuditStore } from '../core/ports/stores.js';

/**
 * The audit log's retention, as one of the cleanup's tasks (core/cleanup.ts): events older than
 * MONBAN_AUDIT_RETENTION seconds go, in bounded batches, by the server's own cleanup and by `monban cleanup`.
 */
export function auditCleanupTask(store: AuditStore, retentionSeconds: number): CleanupTask {
  return {
    name: 'audit_events',
    deleteBatch: (now, limit) => store.deleteOlderThan(now - retentionSeconds * 1000, limit),
  };
}
