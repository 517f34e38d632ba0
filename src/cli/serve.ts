import { createMonban, type Monban } from '../app.js';
import type { Config } from '../config.js';
import { prettyLog } from '../ops/pretty-log.js';
import { databaseLabel, isPostgresUrl } from '../storage/database.js';
import { checkSqlitePath, databaseError } from './database-check.js';
import { listenError, type Listener } from './startup-errors.js';

export interface ServeOptions {
  /** `monban serve --dev` (npm run dev): readable log lines and the trial's notes; cli/dev-mode.ts sets the rest. */
  dev?: boolean;
}

/** Opens the database and builds the server; a database that cannot be used is said in one line (StartupError). */
async function open(config: Config, options: ServeOptions): Promise<Monban> {
  if (!isPostgresUrl(config.databaseUrl)) checkSqlitePath(config.databaseUrl);
  const write = (text: string) => process.stdout.write(text);
  try {
    return await createMonban(config, options.dev ? { logDestination: prettyLog(write) } : {});
  } catch (e) {
    throw databaseError(e, config.databaseUrl) ?? e;
  }
}

/** Listens, or closes everything and says in one line why it cannot (a port in use, say) and which setting fixes it. */
async function listen(monban: Monban, server: Monban['server'], listener: Listener): Promise<void> {
  try {
    await server.listen({ port: listener.port, host: listener.host });
  } catch (e) {
    await monban.close().catch(() => undefined);
    throw listenError(e, listener) ?? e;
  }
}

function printNextSteps(config: Config, out: (line: string) => void, options: ServeOptions): void {
  const url = config.publicUrl;
  if (options.dev) {
    const limits = config.rateLimits.length === 0 ? 'rate limits off' : 'rate limits from MONBAN_RATE_LIMIT';
    out(`Development mode: ${limits}, log lines for reading (\`npm start\` keeps Shikimori's limits and JSON logs).`);
  }
  out('');
  out('Next steps:');
  out(`  1. Create an account:   npx monban users create --nickname alice --password 'choose a long one'`);
  out(`                          (or sign up at ${url}/users/sign_up)`);
  out(`  2. Register an app:     npx monban apps create --owner alice --name "My app" \\`);
  out(`                            --redirect-uri urn:ietf:wg:oauth:2.0:oob --json`);
  out(`                          (or, signed in, at ${url}/oauth/applications)`);
  out(`  3. Send a user to:      ${url}/oauth/authorize?client_id=CLIENT_ID&redirect_uri=REDIRECT_URI&response_type=code`);
  out(`  4. Exchange the code:   curl -X POST "${url}/oauth/token" -F grant_type=authorization_code \\`);
  out(`                            -F client_id=CLIENT_ID -F client_secret=CLIENT_SECRET -F code=CODE -F redirect_uri=REDIRECT_URI`);
  out(`The guide at ${url}/oauth walks through each step with your application's own values.`);
}

/** Starts the server, prints where to go next, and shuts down cleanly on SIGTERM or SIGINT. */
export async function serveCommand(
  config: Config,
  out: (line: string) => void,
  options: ServeOptions = {},
): Promise<void> {
  const monban = await open(config, options);
  await listen(monban, monban.server, { host: config.host, port: config.port, portSetting: 'PORT' });
  if (monban.metricsServer && config.metricsPort !== undefined) {
    const listener: Listener = { host: config.host, port: config.metricsPort, portSetting: 'MONBAN_METRICS_PORT' };
    await listen(monban, monban.metricsServer, listener);
  }
  out(`Monban is listening on ${config.publicUrl} (database: ${databaseLabel(config.databaseUrl)})`);
  if (monban.metricsServer) out(`Prometheus metrics on http://${config.host}:${config.metricsPort}/metrics`);
  printNextSteps(config, out, options);

  // Stop accepting, let requests in flight finish (Fastify's close), close the database pool and Redis, exit 0;
  // a request that does not finish within MONBAN_SHUTDOWN_TIMEOUT must not keep the process (or a deploy) waiting.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`Received ${signal}; finishing requests in flight and stopping.`);
    setTimeout(() => {
      process.stderr.write(`monban: requests still in flight after ${config.shutdownTimeout} s; exiting anyway\n`);
      process.exit(1);
    }, config.shutdownTimeout * 1000);
    monban.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`monban: stopping failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
