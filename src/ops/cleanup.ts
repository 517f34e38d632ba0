import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { passwordResetCleanupTask } from '../accounts/password-resets.js';
import { auditCleanupTask } from '../audit/retention.js';
import type { Config } from '../config.js';
import { runCleanup, storeCleanupTasks, type CleanupResult, type CleanupTask } from '../core/cleanup.js';
import type { Stores } from '../core/ports/stores.js';

/** The lease that lets one process at a time clean a shared database (migration 010). */
export const CLEANUP_LEASE = 'cleanup';
/** Far longer than a run takes; a process that dies holding the lease delays the others' runs this long at most. */
const LEASE_MS = 15 * 60 * 1000;
/** Batches per task in one server run: a large backlog is worked off over several runs, none of them long. */
const BATCHES_PER_RUN = 100;

/**
 * Every task a cleanup run takes, the server's and `monban cleanup`'s alike. Other tables' retention joins here, as
 * one more CleanupTask (core/cleanup.ts), after the OAuth stores' tasks.
 */
export function cleanupTasks(stores: Stores, config: Config): CleanupTask[] {
  return [
    ...storeCleanupTasks(stores, { tokenRetention: config.tokenRetention }),
    passwordResetCleanupTask(stores.passwordResets),
    auditCleanupTask(stores.audit, config.auditRetention),
  ];
}

/** Names this process in the lease row (which process holds it), and never a secret. */
export function leaseHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export type CleanupOutcome = { ran: true; results: CleanupResult[] } | { ran: false };

export interface CleanupRun {
  stores: Stores;
  tasks: readonly CleanupTask[];
  now: () => number;
  holder: string;
  batchSize: number;
  /** The server caps a run; `monban cleanup` goes on until done. */
  capped: boolean;
}

/**
 * One cleanup run under the lease: when another process holds it, nothing is done (`ran: false`). The lease is
 * given up at the end, so the next run, by any process, may start at once.
 */
export async function cleanupOnce(run: CleanupRun): Promise<CleanupOutcome> {
  const now = run.now();
  if (!(await run.stores.leases.acquire(CLEANUP_LEASE, run.holder, now, now + LEASE_MS))) return { ran: false };
  try {
    const maxRowsPerTask = run.capped ? run.batchSize * BATCHES_PER_RUN : Infinity;
    return { ran: true, results: await runCleanup(run.tasks, now, { batchSize: run.batchSize, maxRowsPerTask }) };
  } finally {
    // A release that fails leaves the lease to run out by itself.
    await run.stores.leases.release(CLEANUP_LEASE, run.holder).catch(() => undefined);
  }
}

/** `{ tokens: 3, sessions: 0, ... }`: the counts by task, in the run's order (the CLI's JSON, the server's log). */
export function removedCounts(results: readonly CleanupResult[]): Record<string, number> {
  return Object.fromEntries(results.map((r) => [r.name, r.removed]));
}
