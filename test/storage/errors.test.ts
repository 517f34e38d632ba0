import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseLabel } from '../../src/storage/database.js';
import { isUnavailable, isUniqueViolation } from '../../src/storage/sql/errors.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('driver errors, classified in one place (storage/sql/errors.ts)', () => {
  it('knows a unique violation from either driver', () => {
    assert.equal(isUniqueViolation(coded('SQLITE_CONSTRAINT_UNIQUE')), true);
    assert.equal(isUniqueViolation(coded('23505')), true);
    assert.equal(isUniqueViolation(coded('23503')), false); // foreign key
    assert.equal(isUniqueViolation(new Error('23505')), false);
  });

  it('calls unavailable what may succeed later: lost, refused or timed-out connections, a locked SQLite', () => {
    for (const err of [
      coded('ECONNREFUSED'),
      coded('ECONNRESET'),
      coded('57P01', 'terminating connection due to administrator command'),
      coded('57P03', 'the database system is starting up'),
      coded('57014', 'canceling statement due to statement timeout'),
      coded('08006'),
      coded('40001', 'could not serialize access'),
      coded('SQLITE_BUSY'),
      coded('SQLITE_BUSY_SNAPSHOT'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]),
    ]) {
      assert.equal(isUnavailable(err), true, String((err as { code?: string }).code ?? err.message));
    }
  });

  it('leaves everything else to be an unexpected error (a bug is not an outage)', () => {
    for (const err of [
      coded('23505'),
      coded('42P01', 'relation "x" does not exist'),
      coded('SQLITE_CONSTRAINT_FOREIGNKEY'),
      coded('SQLITE_ERROR'),
      new TypeError('x is undefined'),
      'a string',
      undefined,
    ]) {
      assert.equal(isUnavailable(err), false, String(err));
    }
  });
});

describe('databaseLabel', () => {
  it('prints a PostgreSQL URL without its password or options, and a SQLite path as it is', () => {
    assert.equal(
      databaseLabel('postgres://monban:s3cret@db.example:5432/monban?sslmode=require'),
      'postgres://monban:***@db.example:5432/monban',
    );
    assert.equal(databaseLabel('postgresql://db.example/monban'), 'postgresql://db.example/monban');
    assert.equal(databaseLabel('./data/monban.sqlite3'), './data/monban.sqlite3');
  });
});
