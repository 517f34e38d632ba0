import { createMonban } from '../app.js';
import type { Config } from '../config.js';
import { databaseLabel } from '../storage/database.js';

/** Starts the server, prints where to go next, and shuts down cleanly on SIGTERM or SIGINT. */
export async function serveCommand(config: Config, out: (line: string) => void): Promise<void> {
  const monban = await createMonban(config);
  await monban.server.listen({ port: config.port, host: config.host });
  if (monban.metricsServer) await monban.metricsServer.listen({ port: config.metricsPort, host: config.host });
  const url = config.publicUrl;
  out(`Monban is listening on ${url} (database: ${databaseLabel(config.databaseUrl)})`);
  if (monban.metricsServer) out(`Prometheus metrics on http://${config.host}:${config.metricsPort}/metrics`);
  out('');
  out('Next steps:');
  out(`  1. Create an account:   npx monban users create --nickname alice --password 'choose a long one'`);
  out(`                          (or sign up at ${url}/users/sign_up)`);
  out(`  2. Register an app:     npx monban apps create --owner alice --name "My app" \\`);
  out(`                            --redirect-uri urn:ietf:wg:oauth:2.0:oob --json`);
  out(`  3. Send a user to:      ${url}/oauth/authorize?client_id=CLIENT_ID&redirect_uri=REDIRECT_URI&response_type=code`);
  out(`  4. Exchange the code:   curl -X POST "${url}/oauth/token" -F grant_type=authorization_code \\`);
  out(`                            -F client_id=CLIENT_ID -F client_secret=CLIENT_SECRET -F code=CODE -F redirect_uri=REDIRECT_URI`);

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
