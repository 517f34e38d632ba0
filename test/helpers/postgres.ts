import pg from 'pg';

/**
 * A real PostgreSQL for the suites that need one: the server named by MONBAN_TEST_POSTGRES_URL (trust auth on
 * these machines), where every test run makes databases of its own, so runs on one server never collide.
 *
 * A suite imports `postgres` and skips itself when it is undefined. That happens only outside CI, and loudly: with
 * CI=true an unreachable server fails the suite at import.
 */
export const SERVER_URL = process.env.MONBAN_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const PREFIX = 'monban_test_';
/** Databases left behind by an interrupted run are dropped by a later one once they are this old. */
const STALE_AFTER_MS = 6 * 3600 * 1000;

export interface TestDatabase {
  name: string;
  /** The URL Monban is given (MONBAN_DATABASE_URL). */
  url: string;
  /** Empties the database (drops and recreates the public schema), as if it had just been created. */
  reset(): Promise<void>;
  /** Drops the database, ending any connection still open to it (a killed process's, say). */
  drop(): Promise<void>;
}

function urlOf(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  return url.href;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function dropStale(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    'select datname from pg_database where datname like $1',
    [`${PREFIX}%`],
  );
  for (const { datname } of rows) {
    const made = Number(/^monban_test_(\d+)_/.exec(datname)?.[1]) * 1000;
    if (Number.isFinite(made) && Date.now() - made > STALE_AFTER_MS) {
      await client.query(`drop database if exists ${quote(datname)} with (force)`).catch(() => {});
    }
  }
}

/** Creates an empty database for this run, named after what it is for. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const safeLabel = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20);
  const random = Math.random().toString(36).slice(2, 8);
  const name = `${PREFIX}${Math.floor(Date.now() / 1000)}_${process.pid}_${random}_${safeLabel}`;
  await withClient(SERVER_URL, (client) => client.query(`create database ${quote(name)}`));
  const url = urlOf(name);
  return {
    name,
    url,
    reset: () =>
      withClient(url, async (client) => {
        await client.query('drop schema public cascade');
        await client.query('create schema public');
      }),
    drop: () => withClient(SERVER_URL, (client) => client.query(`drop database if exists ${quote(name)} with (force)`)).then(() => {}),
  };
}

function banner(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  const rule = '!'.repeat(width + 8);
  return ['', rule, ...lines.map((l) => `!!! ${l.padEnd(width)} !!!`), rule, ''].join('\n');
}

async function probe(): Promise<{ url: string } | undefined> {
  try {
    await withClient(SERVER_URL, async (client) => {
      await client.query('select 1');
      await dropStale(client);
    });
    return { url: SERVER_URL };
  } catch (err) {
    const reason = err instanceof Error ? err.message || err.name : String(err);
    const where = new URL(SERVER_URL).host;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true and PostgreSQL is not reachable at ${where} (${reason}): the PostgreSQL suites must run in CI`);
    }
    console.warn(
      banner([
        `PostgreSQL is not reachable at ${where} (${reason}).`,
        'The PostgreSQL suites are SKIPPED. They run (and must pass) in CI, where CI=true makes this a failure.',
        'Start PostgreSQL or set MONBAN_TEST_POSTGRES_URL to run them here.',
      ]),
    );
    return undefined;
  }
}

/** The server, when reachable; undefined (after a loud warning) when not, outside CI only. */
export const postgres = await probe();

/** For `describe(name, { skip: skipWithoutPostgres }, ...)`. */
export const skipWithoutPostgres: string | false = postgres ? false : `PostgreSQL is not reachable at ${new URL(SERVER_URL).host}`;
