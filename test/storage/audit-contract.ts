/**
 * The audit store's contract (core/ports/stores.ts AuditStore, migration 009), run on every backend from
 * contract.ts: batched appends, newest-first listing with every filter, an owner's counts, deletion by age in
 * bounded batches, and rows that outlive the user and the application they name.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { NewAuditEvent, Stores } from '../../src/core/ports/stores.js';
import type { Backend } from './contract.js';

export function auditContract(open: () => Promise<Backend>): void {
  describe('audit events (issue 12)', () => {
    let backend: Backend;
    let stores: Stores;
    const t0 = 1_900_000_000_000;

    beforeEach(async () => {
      backend = await open();
      stores = backend.stores;
    });
    afterEach(async () => backend.close());

    function event(over: Partial<NewAuditEvent> = {}): NewAuditEvent {
      return {
        at: t0,
        type: 'token.issued',
        userId: null,
        applicationId: null,
        clientId: null,
        address: '192.0.2.1',
        userAgent: 'agent/1',
        details: {},
        ...over,
      };
    }

    async function userAndApp() {
      const alice = await stores.users.create({
        nickname: 'alice',
        email: null,
        passwordHash: 'h',
        admin: false,
        locale: 'en',
        at: t0,
      });
      const application = await stores.applications.create({
        uid: 'audit-client',
        secretHash: 'x',
        name: 'Audit App',
        redirectUris: ['https://a.example/cb'],
        scopes: [],
        allowedScopes: [],
        descriptionEn: '',
        descriptionRu: '',
        ownerId: alice.id,
        at: t0,
      });
      return { alice, application };
    }

    it('appends events and lists them newest first, with nickname, application name and client_id', async () => {
      const { alice, application } = await userAndApp();
      await stores.audit.append([
        event({ at: t0, type: 'sign_in.succeeded', userId: alice.id }),
        event({
          at: t0 + 2,
          type: 'consent.granted',
          userId: alice.id,
          applicationId: application.id,
          details: { scopes: ['user_rates'], prior: false },
        }),
        event({ at: t0 + 1, type: 'client_auth.failed', clientId: 'nobody', address: null, userAgent: null }),
      ]);
      const listed = await stores.audit.list({ limit: 10 });
      assert.deepEqual(
        listed.map(({ id, ...rest }) => (assert.equal(typeof id, 'number'), rest)),
        [
          {
            at: t0 + 2,
            type: 'consent.granted',
            userId: alice.id,
            nickname: 'alice',
            applicationId: application.id,
            applicationName: 'Audit App',
            clientId: 'audit-client',
            address: '192.0.2.1',
            userAgent: 'agent/1',
            details: { scopes: ['user_rates'], prior: false },
          },
          {
            at: t0 + 1,
            type: 'client_auth.failed',
            userId: null,
            nickname: null,
            applicationId: null,
            applicationName: null,
            clientId: 'nobody',
            address: null,
            userAgent: null,
            details: {},
          },
          {
            at: t0,
            type: 'sign_in.succeeded',
            userId: alice.id,
            nickname: 'alice',
            applicationId: null,
            applicationName: null,
            clientId: null,
            address: '192.0.2.1',
            userAgent: 'agent/1',
            details: {},
          },
        ],
      );
    });

    it('orders events of one time by id, newest first; appends more rows than one statement takes', async () => {
      const many = Array.from({ length: 1_203 }, (_, i) => event({ details: { n: i } }));
      await stores.audit.append(many);
      await stores.audit.append([]);
      const listed = await stores.audit.list({ limit: 2_000 });
      assert.equal(listed.length, 1_203);
      assert.deepEqual(listed.slice(0, 2).map((e) => e.details), [{ n: 1_202 }, { n: 1_201 }]);
      assert.deepEqual(listed.at(-1)?.details, { n: 0 });
      assert.equal((await stores.audit.list({ limit: 5 })).length, 5);
    });

    it('filters by user, application or client_id, types and time, all together', async () => {
      const { alice, application } = await userAndApp();
      await stores.audit.append([
        event({ at: t0, type: 'token.issued', userId: alice.id, applicationId: application.id }),
        event({ at: t0 + 10, type: 'token.refreshed', userId: alice.id, applicationId: application.id }),
        event({ at: t0 + 20, type: 'sign_in.failed', details: { nickname: 'alice' } }),
        event({ at: t0 + 30, type: 'client_auth.failed', clientId: 'audit-client' }),
        event({ at: t0 + 40, type: 'token.issued', userId: 999_999, applicationId: 999_998 }),
      ]);
      const types = async (query: Parameters<Stores['audit']['list']>[0]) =>
        (await stores.audit.list(query)).map((e) => `${e.type}@${e.at - t0}`);
      assert.deepEqual(await types({ limit: 10, userId: alice.id }), ['token.refreshed@10', 'token.issued@0']);
      assert.deepEqual(await types({ limit: 10, applicationId: application.id }), [
        'token.refreshed@10',
        'token.issued@0',
      ]);
      assert.deepEqual(await types({ limit: 10, clientId: 'audit-client' }), ['client_auth.failed@30']);
      const byApplication = { applicationId: application.id, clientId: 'audit-client' };
      assert.deepEqual(await types({ limit: 10, ...byApplication }), [
        'client_auth.failed@30',
        'token.refreshed@10',
        'token.issued@0',
      ]);
      assert.deepEqual(await types({ limit: 10, types: ['token.issued', 'sign_in.failed'] }), [
        'token.issued@40',
        'sign_in.failed@20',
        'token.issued@0',
      ]);
      assert.deepEqual(await types({ limit: 10, since: t0 + 10, types: ['token.issued', 'token.refreshed'] }), [
        'token.issued@40',
        'token.refreshed@10',
      ]);
      assert.deepEqual(await types({ limit: 10, userId: alice.id, types: ['token.issued'], since: t0 + 1 }), []);
      assert.deepEqual(await types({ limit: 1, types: [] }), ['token.issued@40']);
    });

    it("counts an application's events by type since a time", async () => {
      const { application } = await userAndApp();
      await stores.audit.append([
        event({ at: t0 - 1, type: 'token.issued', applicationId: application.id }),
        event({ at: t0, type: 'token.issued', applicationId: application.id }),
        event({ at: t0 + 1, type: 'token.issued', applicationId: application.id }),
        event({ at: t0 + 2, type: 'code.replay_detected', applicationId: application.id }),
        event({ at: t0 + 3, type: 'token.issued', applicationId: application.id + 1 }),
        event({ at: t0 + 4, type: 'token.refreshed', applicationId: application.id }),
      ]);
      const counts = await stores.audit.countByType(
        application.id,
        ['token.issued', 'code.replay_detected', 'refresh.replay_detected'],
        t0,
      );
      assert.deepEqual([...counts].sort(), [
        ['code.replay_detected', 1],
        ['token.issued', 2],
      ]);
      assert.deepEqual([...(await stores.audit.countByType(application.id, [], 0))], []);
    });

    it('deletes the oldest events before a time, at most a batch at a time', async () => {
      await stores.audit.append(Array.from({ length: 7 }, (_, i) => event({ at: t0 + i })));
      assert.equal(await stores.audit.deleteOlderThan(t0 + 5, 3), 3);
      assert.deepEqual((await stores.audit.list({ limit: 10 })).map((e) => e.at - t0), [6, 5, 4, 3]);
      assert.equal(await stores.audit.deleteOlderThan(t0 + 5, 3), 2);
      assert.equal(await stores.audit.deleteOlderThan(t0 + 5, 3), 0);
      assert.deepEqual((await stores.audit.list({ limit: 10 })).map((e) => e.at - t0), [6, 5]);
    });

    it('keeps the events of a deleted application, and deleting it does not fail', async () => {
      const { alice, application } = await userAndApp();
      await stores.audit.append([event({ type: 'consent.granted', userId: alice.id, applicationId: application.id })]);
      assert.equal(await stores.applications.delete(application.id), true);
      const [kept] = await stores.audit.list({ limit: 10, userId: alice.id });
      assert.equal(kept?.applicationId, application.id);
      assert.equal(kept?.applicationName, null);
      assert.equal(kept?.clientId, null);
    });
  });
}
