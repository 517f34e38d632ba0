/**
 * Store ports, gathered by stores.ts. What the server keeps for itself: its keys and settings, and the leases
 * that let one process run a job.
 */

/** Keys and settings the server keeps in its database, by name (server_keys, migration 005). */
export interface ServerKeyStore {
  find(name: string): Promise<string | undefined>;
}

/**
 * Named leases, so that one process at a time runs a job on a shared database (the cleanup, ops/cleanup.ts). A
 * lease lasts until `until`, after which anyone may take it: a process that died holding one blocks no one for long.
 */
export interface LeaseStore {
  /**
   * Takes the lease unless another holder's lasts past `now`; true when this holder has it until `until`. Of any
   * number of concurrent callers, in any number of processes, at most one gets a free lease.
   */
  acquire(name: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up, if this holder still has it. */
  release(name: string, holder: string): Promise<void>;
}
