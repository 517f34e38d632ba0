import type { Config } from '../config.js';
import { importDoorkeeper } from '../import/doorkeeper/import.js';
import { StreamProgress } from '../import/doorkeeper/progress.js';
import { ImportError } from '../import/doorkeeper/import.js';
import { openSource, SourceError } from '../import/doorkeeper/source.js';
import { formatSummary } from '../import/doorkeeper/summary.js';
import { NotDoorkeeperError } from '../import/doorkeeper/tables.js';
import { migrateToLatest, openDatabase } from '../storage/database.js';
import { parseOptions, required } from './args.js';
import { UsageError } from './usage.js';

/**
 * `monban import doorkeeper --from URL [--pepper P | --no-pepper] [--dry-run]` (docs/import.md): into the database of
 * MONBAN_DATABASE_URL, migrated first as by every command. The pepper comes from --pepper or MONBAN_IMPORT_PEPPER;
 * one of them or --no-pepper must be given, since a wrong guess would lock every imported user out silently.
 */
/** An import that cannot go on, with a message for the operator (main.ts prints it; exit status 1). */
export class ImportFailed extends Error {
  override name = 'ImportFailed';
}

export async function importCommand(
  args: string[],
  config: Config,
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  progressStream: { write(text: string): unknown; isTTY?: boolean } = process.stderr,
): Promise<void> {
  try {
    await runImport(args, config, env, out, progressStream);
  } catch (err) {
    if (err instanceof NotDoorkeeperError || err instanceof SourceError || err instanceof ImportError) {
      throw new ImportFailed(err.message);
    }
    throw err;
  }
}

async function runImport(
  args: string[],
  config: Config,
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  progressStream: { write(text: string): unknown; isTTY?: boolean } = process.stderr,
): Promise<void> {
  const [what, ...rest] = args;
  if (what !== 'doorkeeper') throw new UsageError(`unknown import source: ${what ?? '(none)'}`);
  const values = parseOptions(rest, {
    from: { type: 'string' },
    pepper: { type: 'string' },
    'no-pepper': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  });
  const from = required(values.from, '--from');
  const pepper = values.pepper ?? env.MONBAN_IMPORT_PEPPER;
  if (pepper !== undefined && values['no-pepper']) throw new UsageError('--pepper and --no-pepper exclude each other');
  if (pepper === undefined && !values['no-pepper']) {
    throw new UsageError(
      "give Devise's pepper (config.pepper) with --pepper or MONBAN_IMPORT_PEPPER, or --no-pepper if the site had none",
    );
  }
  const source = await openSource(from);
  try {
    const target = openDatabase(config.databaseUrl);
    try {
      await migrateToLatest(target);
      out(`Importing from ${source.label}${values['dry-run'] ? ' (dry run)' : ''}.`);
      const summary = await importDoorkeeper(source, target, {
        pepper: pepper ?? null,
        dryRun: values['dry-run'] ?? false,
        progress: new StreamProgress(progressStream),
      });
      for (const line of formatSummary(summary)) out(line);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
