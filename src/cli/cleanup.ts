import type { Config } from '../config.js';
import { cleanupOnce, cleanupTasks, leaseHolder, removedCounts } from '../ops/cleanup.js';
import { parseOptions } from './args.js';
import { withStores } from './database.js';

/** Another process (a server's scheduled run, or another `monban cleanup`) holds the cleanup's lease. */
export class CleanupBusy extends Error {
  override name = 'CleanupBusy';
}

/**
 * `monban cleanup [--json]`: one cleanup run now, until nothing is left to delete (core/cleanup.ts), under the
 * same lease as the servers' runs. Prints one line per kind with how many rows it removed, or one JSON object.
 */
export async function cleanupCommand(args: string[], config: Config, out: (line: string) => void): Promise<void> {
  const values = parseOptions(args, { json: { type: 'boolean' } });
  const outcome = await withStores(config, (stores) =>
    cleanupOnce({
      stores,
      tasks: cleanupTasks(stores, config),
      now: Date.now,
      holder: leaseHolder(),
      batchSize: config.cleanupBatchSize,
      capped: false,
    }),
  );
  if (!outcome.ran) throw new CleanupBusy('another process is cleaning up this database now; try again later');
  const removed = removedCounts(outcome.results);
  if (values.json) {
    out(JSON.stringify(removed, null, 2));
    return;
  }
  for (const [name, count] of Object.entries(removed)) out(`${name.replace(/_/g, ' ')}: ${count}`);
}
