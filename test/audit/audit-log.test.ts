/**
 * The audit log's writer (audit/audit-log.ts): a request only queues; events are written in batches, in order; a
 * full queue drops (counted and logged once per spell), a failed write is reported and never thrown at the caller
 * of record(); flush() writes everything queued (what close() relies on).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { AuditStore, NewAuditEvent } from '../../src/core/ports/stores.js';

function event(n: number): NewAuditEvent {
  return {
    at: n,
    type: 'token.issued',
    userId: null,
    applicationId: null,
    clientId: null,
    address: null,
    userAgent: null,
    details: { n },
  };
}

/** A store that records its appends, and can be made to wait or fail. */
class FakeStore implements AuditStore {
  appends: number[][] = [];
  gate: Promise<void> | undefined;
  fail = false;

  async append(events: readonly NewAuditEvent[]): Promise<void> {
    await this.gate;
    if (this.fail) throw new Error('database down');
    this.appends.push(events.map((e) => e.at));
  }
  list(): never {
    throw new Error('not used');
  }
  countByType(): never {
    throw new Error('not used');
  }
  deleteOlderThan(): never {
    throw new Error('not used');
  }
}

function setUp(options: { flushMs?: number; batch?: number; queueLimit?: number } = {}) {
  const store = new FakeStore();
  const errors: unknown[] = [];
  const warnings: string[] = [];
  const log = new AuditLog(store, { error: (err) => errors.push(err), warn: (m) => warnings.push(m) }, options);
  return { store, errors, warnings, log };
}

describe('audit log writer', () => {
  it('writes nothing during the request, then everything queued in one append', async () => {
    const { store, log } = setUp({ flushMs: 60_000 });
    for (let i = 1; i <= 3; i++) log.record(event(i));
    assert.deepEqual(store.appends, []);
    await log.flush();
    assert.deepEqual(store.appends, [[1, 2, 3]]);
    await log.flush();
    assert.deepEqual(store.appends, [[1, 2, 3]]);
  });

  it('writes after the flush interval on its own', async () => {
    const { store, log } = setUp({ flushMs: 5 });
    log.record(event(1));
    log.record(event(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(store.appends, [[1, 2]]);
  });

  it('starts a write as soon as a batch is full, and keeps the order of writes', async () => {
    const { store, log } = setUp({ flushMs: 60_000, batch: 2 });
    for (let i = 1; i <= 5; i++) log.record(event(i));
    await log.flush();
    assert.deepEqual(store.appends, [[1, 2], [3, 4], [5]]);
  });

  it('drops events past the limit (counting those being written), warns once per spell, then takes more', async () => {
    const { store, log, warnings } = setUp({ flushMs: 60_000, batch: 1_000, queueLimit: 3 });
    let open: () => void = () => {};
    store.gate = new Promise((resolve) => (open = resolve));
    log.record(event(1));
    log.record(event(2));
    const writing = log.flush();
    log.record(event(3));
    for (let i = 4; i <= 6; i++) log.record(event(i));
    assert.equal(log.dropped, 3);
    assert.deepEqual(warnings, ['audit log: 3 events wait to be written; dropping new ones until they are']);
    open();
    await writing;
    assert.deepEqual(warnings.slice(1), ['audit log: 3 events dropped while the queue was full']);
    log.record(event(7));
    await log.flush();
    assert.deepEqual(store.appends, [[1, 2], [3, 7]]);
    assert.equal(log.dropped, 3);
  });

  it('reports a failed write and goes on with the next', async () => {
    const { store, log, errors } = setUp({ flushMs: 60_000 });
    store.fail = true;
    log.record(event(1));
    await log.flush();
    assert.equal(errors.length, 1);
    assert.equal(log.failed, 1);
    store.fail = false;
    log.record(event(2));
    await log.flush();
    assert.deepEqual(store.appends, [[2]]);
  });

  it('goes on writing after a report that throws', async () => {
    const store = new FakeStore();
    const log = new AuditLog(store, {
      error: (err) => {
        throw err;
      },
      warn: () => {},
    });
    store.fail = true;
    log.record(event(1));
    await assert.rejects(log.flush(), /database down/);
    store.fail = false;
    log.record(event(2));
    await log.flush();
    assert.deepEqual(store.appends, [[2]]);
  });
});
