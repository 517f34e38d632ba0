import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a request came from, as the audit log records it. */
export interface RequestOrigin {
  /** The client address (MONBAN_TRUST_PROXY decides it: http/request-origin.ts). */
  address: string;
  userAgent: string | null;
}

/**
 * The origin of the request being handled, carried by Node's AsyncLocalStorage, so that the audit log learns it
 * from the HTTP layer while the core, which emits the events, knows nothing of requests. Outside a request (the
 * CLI, a test calling the core directly) there is none.
 */
const storage = new AsyncLocalStorage<RequestOrigin>();

/** Runs fn, and everything it starts, with this origin. */
export function withRequestOrigin<T>(origin: RequestOrigin, fn: () => T): T {
  return storage.run(origin, fn);
}

export function currentRequestOrigin(): RequestOrigin | undefined {
  return storage.getStore();
}
