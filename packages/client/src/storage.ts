import { ClientUsageError } from './errors.js';

/**
 * Where the client keeps its state: the tokens, and the `state` and PKCE verifier between the authorization URL
 * and the callback. Values are strings (JSON); every method may be synchronous or return a promise. Tokens are
 * credentials: keep them from other parties (RFC 6749 §10.3, §10.4; RFC 6750 §5.3).
 *
 * @example
 * ```ts
 * const redisStore: TokenStorage = {
 *   get: (key) => redis.get(`monban:${key}`),
 *   set: (key, value) => redis.set(`monban:${key}`, value).then(() => undefined),
 *   delete: (key) => redis.del(`monban:${key}`).then(() => undefined),
 * };
 * ```
 */
export interface TokenStorage {
  get(key: string): Promise<string | undefined | null> | string | undefined | null;
  set(key: string, value: string): Promise<void> | void;
  delete(key: string): Promise<void> | void;
}

/**
 * Keeps everything in memory: gone when the process (or the page) ends, so nothing to leak later (RFC 6750 §5.3).
 * The default.
 *
 * @example
 * ```ts
 * const client = createClient({ ..., storage: memoryStore() });
 * ```
 */
export function memoryStore(): TokenStorage {
  const values = new Map<string, string>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => void values.set(key, value),
    delete: (key) => void values.delete(key),
  };
}

/**
 * The part of the Web Storage API the localStorage store uses (`localStorage`, `sessionStorage`, or a test's own).
 * What is kept there is readable by every script of the origin (RFC 6750 §5.3: keep bearer tokens from others).
 *
 * @example
 * ```ts
 * const store = localStorageStore({ storage: sessionStorage satisfies WebStorageLike });
 * ```
 */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Keeps everything in the browser's `localStorage` under `prefix` (default `monban:`), shared by the tabs of one
 * origin, which is why the client refreshes under a Web Lock (see `createClient`). Anything the page's scripts
 * can read, an XSS can read too (RFC 6750 §5.3): prefer a server-side session for confidential clients.
 *
 * @example
 * ```ts
 * const client = createClient({ ..., storage: localStorageStore({ prefix: 'my-app:' }) });
 * ```
 */
export function localStorageStore(options: { prefix?: string; storage?: WebStorageLike } = {}): TokenStorage {
  const storage = options.storage ?? (globalThis as { localStorage?: WebStorageLike }).localStorage;
  if (storage === undefined) throw new ClientUsageError('storage_unavailable', 'localStorage is not available here');
  const prefix = options.prefix ?? 'monban:';
  return {
    get: (key) => storage.getItem(prefix + key),
    set: (key, value) => storage.setItem(prefix + key, value),
    delete: (key) => storage.removeItem(prefix + key),
  };
}
