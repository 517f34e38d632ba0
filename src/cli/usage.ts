export const USAGE = `Usage: monban <command> [options]

Commands:
  serve                         Start the server (applies pending migrations first)
  migrate                       Apply pending database migrations
  users create --nickname NICK --password PASS [--email E] [--admin] [--json]
                                Create an account
  apps create --owner NICK --name NAME --redirect-uri URI [--redirect-uri URI ...]
              [--scopes "a b"] [--description-en TEXT] [--description-ru TEXT] [--public] [--json]
                                Register an OAuth application; prints its client_id and client_secret
                                (the secret is shown this once); --public: a mobile or single-page app,
                                with no secret, that must use PKCE

Settings come from environment variables (PORT, HOST, MONBAN_DATABASE_URL, MONBAN_PUBLIC_URL,
MONBAN_ACCESS_TOKEN_TTL, MONBAN_CODE_TTL, MONBAN_LOG_LEVEL); see the README.`;

/** Wrong arguments: the CLI prints the message and the usage, and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
