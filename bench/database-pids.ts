import pg from 'pg';

/**
 * The server processes of a PostgreSQL database's sessions (Monban's pool), whose CPU time the driver adds to
 * Monban's: on PostgreSQL a request's work is split between the two. Only meaningful when the server runs on this
 * machine (its processes in this /proc); the driver leaves out any pid it cannot read.
 */
export async function backendPids(adminUrl: string, database: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const result = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
      database,
    ]);
    return (result.rows as { pid: number }[]).map((r) => r.pid);
  } finally {
    await client.end();
  }
}
