import { ApplicationError } from '../accounts/applications.js';
import { RegistrationError } from '../accounts/accounts.js';
import { ConfigError, loadConfig } from '../config.js';
import { migrateToLatest, MigrationError, openDatabase } from '../storage/database.js';
import { StorageUnavailable } from '../core/ports/storage-unavailable.js';
import { appsCommand } from './apps.js';
import { AuditFilterError, auditCommand } from './audit.js';
import { CleanupBusy, cleanupCommand } from './cleanup.js';
import { ImportFailed, importCommand } from './import.js';
import { devEnvironment } from './dev-mode.js';
import { StartupError } from './startup-errors.js';
import { UsageError, USAGE } from './usage.js';
import { usersCommand } from './users.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    const applied = await migrateToLatest(database);
    out(applied.length === 0 ? 'The database is up to date.' : `Applied migrations: ${applied.join(', ')}.`);
  } finally {
    await database.close();
  }
}

async function run(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve': {
      const dev = args.length === 1 && args[0] === '--dev';
      if (args.length > 0 && !dev) throw new UsageError(`serve takes only --dev (got ${args.join(' ')})`);
      const config = loadConfig(dev ? devEnvironment(process.env) : process.env);
      // Loaded on demand: the HTTP server is most of the start-up time of the other commands.
      return (await import('./serve.js')).serveCommand(config, out, { dev });
    }
    case 'migrate':
      if (args.length > 0) throw new UsageError(`migrate takes no arguments (got ${args.join(' ')})`);
      return migrateCommand();
    case 'users':
      return usersCommand(args, loadConfig({ ...process.env }, { logLevel: 'silent' }), out);
    case 'apps':
      return appsCommand(args, loadConfig({ ...process.env }, { logLevel: 'silent' }), out);
    case 'audit':
      return auditCommand(args, loadConfig({ ...process.env }, { logLevel: 'silent' }), out);
    case 'cleanup':
      return cleanupCommand(args, loadConfig({ ...process.env }, { logLevel: 'silent' }), out);
    case 'import':
      return importCommand(args, loadConfig({ ...process.env }, { logLevel: 'silent' }), process.env, out);
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return;
    default:
      throw new UsageError(command === undefined ? 'no command given' : `unknown command: ${command}`);
  }
}

/** Exit codes: 0 done, 1 the command failed (message on stderr), 2 wrong arguments (with the usage). */
run(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    err(`monban: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (e instanceof ConfigError) err(`monban: invalid setting ${e.message}`);
  else if (
    e instanceof RegistrationError ||
    e instanceof ApplicationError ||
    e instanceof MigrationError ||
    e instanceof AuditFilterError ||
    e instanceof CleanupBusy ||
    e instanceof ImportFailed ||
    e instanceof StartupError ||
    e instanceof StorageUnavailable
  ) {
    err(`monban: ${e.message}`);
  } else {
    err(`monban: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.exit(1);
});
