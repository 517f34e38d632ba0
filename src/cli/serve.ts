import { createMonban } from '../app.js';
import type { Config } from '../config.js';

/** Starts the server, prints where to go next, and shuts down cleanly on SIGTERM or SIGINT. */
export async function serveCommand(config: Config, out: (line: string) => void): Promise<void> {
  const monban = await createMonban(config);
  await monban.server.listen({ port: config.port, host: config.host });
  const url = config.publicUrl;
  out(`Monban is listening on ${url} (database: ${config.databaseUrl})`);
  out('');
  out('Next steps:');
  out(`  1. Create an account:   npx monban users create --nickname alice --password 'choose a long one'`);
  out(`                          (or sign up at ${url}/users/sign_up)`);
  out(`  2. Register an app:     npx monban apps create --owner alice --name "My app" \\`);
  out(`                            --redirect-uri urn:ietf:wg:oauth:2.0:oob --json`);
  out(`  3. Send a user to:      ${url}/oauth/authorize?client_id=CLIENT_ID&redirect_uri=REDIRECT_URI&response_type=code`);
  out(`  4. Exchange the code:   curl -X POST "${url}/oauth/token" -F grant_type=authorization_code \\`);
  out(`                            -F client_id=CLIENT_ID -F client_secret=CLIENT_SECRET -F code=CODE -F redirect_uri=REDIRECT_URI`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`Received ${signal}; finishing requests in flight and stopping.`);
    monban.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
