/**
 * The audit log's retention (audit/retention.ts): the cleanup deletes events older than MONBAN_AUDIT_RETENTION
 * seconds, in bounded batches, and keeps the rest.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditCleanupTask } from '../../src/audit/retention.js';
import { runCleanup } from '../../src/core/cleanup.js';
import { migrateToLatest, openSqlite } from '../../src/storage/database.js';
import { sqlStores } from '../../src/storage/sql/index.js';

describe('audit log retention', () => {
  it('deletes the events older than the retention, batch after batch, and nothing newer', async () => {
    const database = openSqlite(':memory:');
    try {
      await migrateToLatest(database);
      const stores = sqlStores(database.db);
      const now = 1_900_000_000_000;
      const day = 86_400_000;
      const base = { userId: 1, applicationId: null, clientId: null, address: null, userAgent: null, details: {} };
      const ages = [10, 9, 8, 7, 6, 5.5, 5, 1, 0];
      await stores.audit.append(ages.map((age) => ({ ...base, at: now - age * day, type: 'sign_in.succeeded' })));
      const task = auditCleanupTask(stores.audit, 5 * 86_400);
      assert.equal(task.name, 'audit_events');
      const [result] = await runCleanup([task], now, { batchSize: 2, maxRowsPerTask: Infinity });
      assert.deepEqual(result, { name: 'audit_events', removed: 6, complete: true });
      const left = await stores.audit.list({ limit: 100 });
      assert.deepEqual(left.map((e) => (now - e.at) / day), [0, 1, 5]);
    } finally {
      await database.close();
    }
  });
});
