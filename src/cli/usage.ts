export const USAGE = `Usage: monban <command> [options]

Commands:
  serve [--dev]                 Start the server (applies pending migrations first); --dev: for a local
                                trial (npm run dev): rate limits off unless MONBAN_RATE_LIMIT is set,
                                log lines for reading instead of JSON
  migrate                       Apply pending database migrations
  users create --nickname NICK --password PASS [--email E] [--admin] [--json]
                                Create an account
  apps create --owner NICK --name NAME --redirect-uri URI [--redirect-uri URI ...]
              [--scopes "a b"] [--description-en TEXT] [--description-ru TEXT] [--public] [--json]
                                Register an OAuth application; prints its client_id and client_secret
                                (the secret is shown this once); --public: a mobile or single-page app,
                                with no secret, that must use PKCE
  apps update CLIENT_ID --quota 600/min,50000/day [--json]
                                Set the requests per minute and/or per day the application's tokens may make
                                on the API (--quota none: no quota)
  audit [--user NICK] [--app CLIENT_ID] [--type TYPE[,TYPE]] [--since 24h|7d|2026-12-01] [--limit N] [--json]
                                List security events, newest first (default 100); --json: one object a line
  cleanup [--json]              Delete expired codes, requests, device codes, sessions and password resets,
                                and tokens past MONBAN_TOKEN_RETENTION; prints how many of each it removed
  users set-password --nickname NICK --password PASS
                                Set an account's password (an imported account without one, say)
  users reset-link --nickname NICK [--json]
                                Print a link with which the user sets a new password (once, within an
                                hour; for a server without MONBAN_MAIL_URL, or an account without email)
  import doorkeeper --from URL (--pepper PEPPER | --no-pepper) [--dry-run]
                                Move a Doorkeeper (Shikimori) database, postgres:// URL or SQLite file, into
                                this one: applications, users, live codes and tokens, password hashes; run
                                again, it skips what it moved (MONBAN_IMPORT_PEPPER may give the pepper)

Settings come from environment variables (PORT, HOST, MONBAN_DATABASE_URL, MONBAN_PUBLIC_URL,
MONBAN_ACCESS_TOKEN_TTL, MONBAN_CODE_TTL, MONBAN_LOG_LEVEL); see the README.`;

/** Wrong arguments: the CLI prints the message and the usage, and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
