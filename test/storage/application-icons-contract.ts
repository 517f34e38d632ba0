import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Stores } from '../../src/core/ports/stores.js';

export interface IconBackend {
  stores: Stores;
  close(): Promise<void>;
}

/**
 * The ApplicationIconStore's part of the store contract (core/ports/stores.ts), run on every backend: bytes kept
 * exactly, the application's iconVersion set and cleared with the icon, inside a caller's transaction or not, and
 * the icon deleted with its application.
 */
export function applicationIconContract(name: string, open: () => Promise<IconBackend>): void {
  describe(`application icon store contract: ${name}`, () => {
    let backend: IconBackend;
    let stores: Stores;
    const at = 1_800_000_000_000;
    // Every byte value, NUL and high bytes included, and a PNG's signature first.
    const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    const bytes = new Uint8Array([...signature, ...Array.from({ length: 256 }, (_, i) => i)]);
    const png = { contentType: 'image/png', bytes, version: 'v1' };

    beforeEach(async () => {
      backend = await open();
      stores = backend.stores;
    });
    afterEach(async () => backend.close());

    async function application() {
      const owner = await stores.users.create({
        nickname: 'alice',
        email: null,
        passwordHash: 'h',
        admin: false,
        locale: 'en',
        at,
      });
      return stores.applications.create({
        uid: 'client-icon',
        secretHash: 'secret-hash',
        name: 'App',
        redirectUris: ['https://a.example/cb'],
        scopes: [],
        allowedScopes: ['user_rates'],
        descriptionEn: '',
        descriptionRu: '',
        ownerId: owner.id,
        at,
      });
    }

    it('keeps the bytes exactly, and sets the application’s iconVersion with them', async () => {
      const app = await application();
      assert.equal(app.iconVersion, undefined);
      assert.equal(await stores.applicationIcons.find(app.id), undefined);
      assert.equal(await stores.applicationIcons.put(app.id, png, at + 1), true);
      assert.deepEqual(await stores.applicationIcons.find(app.id), {
        contentType: 'image/png',
        bytes,
        version: 'v1',
        updatedAt: at + 1,
      });
      const withIcon = await stores.applications.findById(app.id);
      assert.equal(withIcon?.iconVersion, 'v1');
      assert.equal(withIcon?.updatedAt, at + 1);
      assert.equal((await stores.applications.findByUid('client-icon'))?.iconVersion, 'v1');
      assert.equal((await stores.applications.listByOwner(app.ownerId))[0]?.iconVersion, 'v1');
    });

    it('replaces an icon', async () => {
      const app = await application();
      await stores.applicationIcons.put(app.id, png, at + 1);
      const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]);
      const icon = { contentType: 'image/gif', bytes: gif, version: 'v2' };
      const replaced = await stores.applicationIcons.put(app.id, icon, at + 2);
      assert.equal(replaced, true);
      assert.deepEqual(await stores.applicationIcons.find(app.id), {
        contentType: 'image/gif',
        bytes: gif,
        version: 'v2',
        updatedAt: at + 2,
      });
      assert.equal((await stores.applications.findById(app.id))?.iconVersion, 'v2');
    });

    it('removes an icon, and says whether there was one', async () => {
      const app = await application();
      assert.equal(await stores.applicationIcons.remove(app.id, at + 1), false);
      await stores.applicationIcons.put(app.id, png, at + 1);
      assert.equal(await stores.applicationIcons.remove(app.id, at + 2), true);
      assert.equal(await stores.applicationIcons.find(app.id), undefined);
      const without = await stores.applications.findById(app.id);
      assert.equal(without?.iconVersion, undefined);
      assert.ok(without && !('iconVersion' in without), 'absent, not undefined: as an application that never had one');
      assert.equal(without?.updatedAt, at + 2);
    });

    it('puts nothing for an application that does not exist', async () => {
      assert.equal(await stores.applicationIcons.put(424242, png, at), false);
      assert.equal(await stores.applicationIcons.find(424242), undefined);
    });

    it('works inside a caller’s transaction, and rolls back with it', async () => {
      const app = await application();
      await stores.transaction(async (tx) => {
        assert.equal(await tx.applicationIcons.put(app.id, png, at), true);
      });
      assert.equal((await stores.applications.findById(app.id))?.iconVersion, 'v1');
      await assert.rejects(
        stores.transaction(async (tx) => {
          await tx.applicationIcons.remove(app.id, at + 1);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal((await stores.applicationIcons.find(app.id))?.version, 'v1');
      assert.equal((await stores.applications.findById(app.id))?.iconVersion, 'v1');
    });

    it('deletes the icon with its application', async () => {
      const app = await application();
      await stores.applicationIcons.put(app.id, png, at);
      assert.equal(await stores.applications.delete(app.id), true);
      assert.equal(await stores.applicationIcons.find(app.id), undefined);
    });
  });
}
