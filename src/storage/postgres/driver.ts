import { createRequire } from 'node:module';
import type pg from 'pg';

const require = createRequire(import.meta.url);
let loaded: typeof pg | undefined;

/**
 * The `pg` driver, loaded the first time a PostgreSQL database is opened rather than when Monban starts: a server
 * on SQLite (the default) never pays for loading it, a noticeable part of a start on a small machine (README,
 * Quick start). `pg` is a CommonJS package; `require` gives the same object as its ESM default export.
 */
export function pgDriver(): typeof pg {
  loaded ??= require('pg') as typeof pg;
  return loaded;
}
