import type { Application, ApplicationQuota } from '../core/model.js';
import type {
  ApplicationChanges,
  ApplicationIconStore,
  ApplicationStore,
  NewApplication,
  Stores,
} from '../core/ports/stores.js';
import type { ApplicationCache, ApplicationWatch } from './application-cache.js';

/**
 * The application store of the server's root stores, answering lookups from an ApplicationCache whenever its
 * watch says the cache is current. Writes go to the inner store and evict at once in this process; other processes
 * learn of them from their watch.
 */
export class CachedApplicationStore implements ApplicationStore {
  constructor(
    private readonly inner: ApplicationStore,
    private readonly cache: ApplicationCache,
    private readonly watch: ApplicationWatch,
  ) {}

  findByUid(uid: string): Promise<Application | undefined> {
    return this.lookUp(
      () => this.cache.findByUid(uid),
      () => this.inner.findByUid(uid),
    );
  }

  /**
   * The row itself (ApplicationStore.findByUidFresh): read when the cached application was refused, or a grant's
   * statement found it stale (its version, migration 014), before the watch has told this process (PostgreSQL's
   * notification arrives a moment after the commit). The cached one is evicted when the row differs or is gone; the
   * row is not kept (the next lookup keeps it, under the watch's rules).
   */
  async findByUidFresh(uid: string): Promise<Application | undefined> {
    const found = await this.inner.findByUid(uid);
    const cached = this.cache.findByUid(uid);
    if (cached && (found === undefined || found.id !== cached.id || found.version !== cached.version)) {
      this.cache.evict(cached.id);
    }
    return found;
  }

  findById(id: number): Promise<Application | undefined> {
    return this.lookUp(
      () => this.cache.findById(id),
      () => this.inner.findById(id),
    );
  }

  /**
   * The cached application while the watch vouches for the cache, else the database's; what the database gives is
   * kept only if no change arrived while it was read (the epoch taken before).
   */
  private async lookUp(
    cached: () => Application | undefined,
    read: () => Promise<Application | undefined>,
  ): Promise<Application | undefined> {
    if (!(await this.watch.check())) return read();
    const hit = cached();
    if (hit) return hit;
    const epoch = this.cache.epoch;
    const found = await read();
    if (found) this.cache.store(found, epoch);
    return found;
  }

  create(application: NewApplication): Promise<Application> {
    // Nothing to evict: a lookup that found no application kept nothing.
    return this.inner.create(application);
  }

  update(id: number, changes: ApplicationChanges): Promise<Application | undefined> {
    return this.write(id, () => this.inner.update(id, changes), (updated) => updated !== undefined);
  }

  setQuota(id: number, quota: ApplicationQuota | null, at: number): Promise<Application | undefined> {
    return this.write(id, () => this.inner.setQuota(id, quota, at), (updated) => updated !== undefined);
  }

  replaceSecret(id: number, secretHash: string, at: number): Promise<boolean> {
    return this.write(id, () => this.inner.replaceSecret(id, secretHash, at), (replaced) => replaced);
  }

  delete(id: number): Promise<boolean> {
    return this.write(id, () => this.inner.delete(id), (deleted) => deleted);
  }

  listByOwner(ownerId: number): Promise<Application[]> {
    return this.inner.listByOwner(ownerId);
  }

  listAll(limit: number): Promise<Application[]> {
    return this.inner.listAll(limit);
  }

  countUsers(applicationIds: number[]): Promise<Map<number, number>> {
    return this.inner.countUsers(applicationIds);
  }

  /**
   * Evicts once the write has returned (committed), even when it failed: it may have committed all the same. When
   * it changed a row, waits for the watch to have told the other processes (ApplicationWatch.expectChange).
   */
  private async write<T>(id: number, write: () => Promise<T>, changed: (result: T) => boolean): Promise<T> {
    const told = this.watch.expectChange?.(id);
    let result: T;
    try {
      result = await write();
    } catch (err) {
      this.cache.evict(id);
      await told?.(false);
      throw err;
    }
    this.cache.evict(id);
    await told?.(changed(result));
    return result;
  }
}

/** An application store bound to a transaction: notes the applications it writes, to evict once it has ended. */
class NotingApplicationStore implements ApplicationStore {
  constructor(
    private readonly inner: ApplicationStore,
    private readonly written: Set<number>,
  ) {}

  create(application: NewApplication) {
    return this.inner.create(application);
  }
  findByUid(uid: string) {
    return this.inner.findByUid(uid);
  }
  findById(id: number) {
    return this.inner.findById(id);
  }
  update(id: number, changes: ApplicationChanges) {
    this.written.add(id);
    return this.inner.update(id, changes);
  }
  setQuota(id: number, quota: ApplicationQuota | null, at: number) {
    this.written.add(id);
    return this.inner.setQuota(id, quota, at);
  }
  replaceSecret(id: number, secretHash: string, at: number) {
    this.written.add(id);
    return this.inner.replaceSecret(id, secretHash, at);
  }
  delete(id: number) {
    this.written.add(id);
    return this.inner.delete(id);
  }
  listByOwner(ownerId: number) {
    return this.inner.listByOwner(ownerId);
  }
  listAll(limit: number) {
    return this.inner.listAll(limit);
  }
  countUsers(applicationIds: number[]) {
    return this.inner.countUsers(applicationIds);
  }
}

/** The icon store writes the application's iconVersion too (migration 013): each write evicts, as `evict` says. */
function evictingIcons(inner: ApplicationIconStore, evict: (id: number) => void): ApplicationIconStore {
  return {
    put: async (applicationId, icon, at) => {
      try {
        return await inner.put(applicationId, icon, at);
      } finally {
        evict(applicationId);
      }
    },
    remove: async (applicationId, at) => {
      try {
        return await inner.remove(applicationId, at);
      } finally {
        evict(applicationId);
      }
    },
    find: (applicationId) => inner.find(applicationId),
  };
}

/**
 * The root stores with applications cached. Inside a transaction the stores read the database (a transaction sees
 * its own writes, and a row it reads may be one it is about to lock); the applications it writes are evicted once
 * it has ended, committed or not. Other processes (and, on PostgreSQL, this one a moment later) learn of every change
 * from the watch, which also covers writes made without these stores.
 */
export function withApplicationCache(stores: Stores, cache: ApplicationCache, watch: ApplicationWatch): Stores {
  const evict = (id: number) => cache.evict(id);
  return {
    ...stores,
    applications: new CachedApplicationStore(stores.applications, cache, watch),
    applicationIcons: evictingIcons(stores.applicationIcons, evict),
    transaction: async (fn) => {
      const written = new Set<number>();
      try {
        return await stores.transaction((trx) =>
          fn({
            ...trx,
            applications: new NotingApplicationStore(trx.applications, written),
            applicationIcons: evictingIcons(trx.applicationIcons, (id) => written.add(id)),
          }),
        );
      } finally {
        for (const id of written) cache.evict(id);
      }
    },
  };
}
