import type { Application } from '../core/model.js';

/** How many applications a process keeps by default (MONBAN_CLIENT_CACHE). */
export const DEFAULT_CLIENT_CACHE_SIZE = 10_000;

/**
 * Applications (OAuth clients) kept in this process, by id and by uid, the least recently used dropped past
 * `capacity` (issue 16, "Clients cached in the process"). Every eviction moves `epoch`: a lookup that read the
 * database before an eviction must not keep what it read (it may be the row as it was before the change), so it
 * stores only when the epoch is still the one it started with.
 */
export class ApplicationCache {
  /** In order of use, the least recent first (a Map iterates in insertion order; a hit re-inserts). */
  private readonly byId = new Map<number, Application>();
  private readonly idByUid = new Map<string, number>();
  private current = 0;

  constructor(readonly capacity: number = DEFAULT_CLIENT_CACHE_SIZE) {}

  get size(): number {
    return this.byId.size;
  }

  /** Moves at every eviction: what a lookup notes before it reads the database, and gives store() after. */
  get epoch(): number {
    return this.current;
  }

  findById(id: number): Application | undefined {
    const found = this.byId.get(id);
    if (found) {
      this.byId.delete(id);
      this.byId.set(id, found);
    }
    return found;
  }

  findByUid(uid: string): Application | undefined {
    const id = this.idByUid.get(uid);
    return id === undefined ? undefined : this.findById(id);
  }

  /** Keeps the application, frozen (callers share it), unless something was evicted since `epoch`. */
  store(application: Application, epoch: number): void {
    if (epoch !== this.current || this.capacity === 0) return;
    this.remove(application.id);
    this.byId.set(application.id, deepFreeze(application));
    this.idByUid.set(application.uid, application.id);
    while (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
  }

  /** The application with this id changed or went: forget it, and refuse what lookups in flight read. */
  evict(id: number): void {
    this.current++;
    this.remove(id);
  }

  /** Anything may have changed: forget everything. */
  clear(): void {
    this.current++;
    this.byId.clear();
    this.idByUid.clear();
  }

  private remove(id: number): void {
    const found = this.byId.get(id);
    if (!found) return;
    this.byId.delete(id);
    if (this.idByUid.get(found.uid) === id) this.idByUid.delete(found.uid);
  }
}

function deepFreeze(application: Application): Application {
  Object.freeze(application.redirectUris);
  Object.freeze(application.scopes);
  Object.freeze(application.allowedScopes);
  if (application.quota) Object.freeze(application.quota);
  return Object.freeze(application);
}

/**
 * What tells a cache that applications changed, in this process or in any other on the database, whoever changed
 * them (migration 014's triggers): PostgreSQL's LISTEN/NOTIFY, a generation counter on SQLite.
 */
export interface ApplicationWatch {
  /**
   * Called before every lookup in the cache: brings the cache up to date with what the database says changed
   * (evicting or clearing), and answers whether the cache may be used. False while the watch cannot tell (a lost
   * PostgreSQL listener, say): the lookup then reads the database, and keeps nothing.
   */
  check(): boolean | Promise<boolean>;
  /**
   * Where the news of a change travels apart from the commit (PostgreSQL): called just before this process writes
   * the application with this id; what it returns is awaited once the write has ended, told whether it changed a
   * row, and then resolves when the news has gone out (this process's own notification came back), so that the
   * answer to the writer's client does not overtake it. Bounded: it resolves after a while all the same.
   */
  expectChange?(id: number): (changed: boolean) => Promise<void>;
  /** Stops watching (closes its connection). */
  close(): Promise<void>;
}
