import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAST_USED_RESOLUTION_MS, LastUseRecorder } from '../../src/core/last-use.js';
import type { AccessToken } from '../../src/core/model.js';
import type { AccessTokenStore } from '../../src/core/ports/stores.js';

const NOW = Date.UTC(2026, 11, 5, 12);

function token(id: number, lastUsedAt: number | null = null): AccessToken {
  return {
    id,
    applicationId: 1,
    userId: 1,
    grantId: null,
    parentId: null,
    scopes: ['user_rates'],
    createdAt: NOW - 1000,
    expiresIn: 86400,
    revokedAt: null,
    hasRefreshToken: true,
    previousRefreshTokenHash: null,
    lastUsedAt,
    rotatedAt: null,
  };
}

/** The one store method the recorder calls, recording its calls; the rest is never reached. */
function recordingStore(fail = false) {
  const calls: Array<{ ids: number[]; at: number; interval: number }> = [];
  const store = {
    async touchLastUsed(ids: readonly number[], at: number, interval: number) {
      calls.push({ ids: [...ids], at, interval });
      if (fail) throw new Error('database is gone');
      return ids.length;
    },
  } as Partial<AccessTokenStore> as AccessTokenStore;
  return { store, calls };
}

describe('LastUseRecorder (core/last-use.ts)', () => {
  it('writes the uses of one interval in one call, each token once, at the latest use', async () => {
    const { store, calls } = recordingStore();
    const recorder = new LastUseRecorder(store, (err) => assert.fail(String(err)), 60_000);
    recorder.note(token(1), NOW);
    recorder.note(token(2), NOW + 10);
    recorder.note(token(1), NOW + 20);
    recorder.note(token(3), NOW + 30);
    await recorder.flush();
    assert.deepEqual(calls, [{ ids: [1, 2, 3], at: NOW + 30, interval: LAST_USED_RESOLUTION_MS }]);
    await recorder.flush();
    assert.equal(calls.length, 1, 'nothing noted, nothing written');
  });

  it('does not note a token whose recorded use is less than a minute old', async () => {
    const { store, calls } = recordingStore();
    const recorder = new LastUseRecorder(store, (err) => assert.fail(String(err)), 60_000);
    recorder.note(token(1, NOW - LAST_USED_RESOLUTION_MS + 1), NOW);
    recorder.note(token(2, NOW - LAST_USED_RESOLUTION_MS), NOW);
    await recorder.flush();
    assert.deepEqual(calls, [{ ids: [2], at: NOW, interval: LAST_USED_RESOLUTION_MS }]);
  });

  it('writes on its own after the flush interval', async () => {
    const { store, calls } = recordingStore();
    const recorder = new LastUseRecorder(store, (err) => assert.fail(String(err)), 20);
    recorder.note(token(1), NOW);
    assert.equal(calls.length, 0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(calls, [{ ids: [1], at: NOW, interval: LAST_USED_RESOLUTION_MS }]);
  });

  it('reports a failed write and goes on with the next batch', async () => {
    const { store, calls } = recordingStore(true);
    const errors: unknown[] = [];
    const recorder = new LastUseRecorder(store, (err) => errors.push(err), 60_000);
    recorder.note(token(1), NOW);
    await recorder.flush();
    recorder.note(token(2), NOW + 1);
    await recorder.flush();
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['database is gone', 'database is gone'],
    );
    assert.deepEqual(
      calls.map((c) => c.ids),
      [[1], [2]],
    );
  });
});
