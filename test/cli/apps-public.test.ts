/**
 * `monban apps create --public` (issue 11): a public application, with no secret, printed as such; a confidential
 * application's output is unchanged (cli.test.ts).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { cliJson, runCli, tempDatabase } from '../helpers/process.js';

const CREATE = ['apps', 'create', '--owner', 'alice', '--name', 'SPA', '--redirect-uri', 'https://spa.example/cb'];

describe('monban apps create --public', () => {
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let env: Record<string, string>;
  beforeEach(async () => {
    database = await tempDatabase();
    env = { MONBAN_DATABASE_URL: database.path };
    await cliJson(['users', 'create', '--nickname', 'alice', '--password', 'correct horse battery'], env);
  });
  afterEach(() => database.remove());

  function stored(clientId: string): { confidential: number; secret_hash: string } {
    const sqlite = new SQLite(database.path, { readonly: true });
    try {
      return sqlite.prepare('SELECT confidential, secret_hash FROM applications WHERE uid = ?').get(clientId) as {
        confidential: number;
        secret_hash: string;
      };
    } finally {
      sqlite.close();
    }
  }

  it('prints "confidential": false and no client_secret with --json, and stores no secret', async () => {
    const app = await cliJson<Record<string, unknown>>([...CREATE, '--public'], env);
    const clientId = String(app.client_id);
    assert.match(clientId, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(
      JSON.stringify(app),
      JSON.stringify({
        id: 1,
        name: 'SPA',
        client_id: clientId,
        confidential: false,
        redirect_uri: 'https://spa.example/cb',
        redirect_uris: ['https://spa.example/cb'],
        scopes: 'user_rates comments topics',
        owner: 'alice',
      }),
    );
    assert.deepEqual(stored(clientId), { confidential: 0, secret_hash: '' });
  });

  it('says in plain text that there is no secret', async () => {
    const run = await runCli([...CREATE, '--public'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^client_id: +[A-Za-z0-9_-]{43}$/m);
    assert.match(run.stdout, /^client_secret: none \(a public client: it must use PKCE with S256\)$/m);
  });

  it('without --public, creates a confidential application as before, with no "confidential" key', async () => {
    const app = await cliJson<Record<string, unknown>>(CREATE, env);
    assert.deepEqual(Object.keys(app), [
      'id',
      'name',
      'client_id',
      'client_secret',
      'redirect_uri',
      'redirect_uris',
      'scopes',
      'owner',
    ]);
    assert.equal(stored(String(app.client_id)).confidential, 1);
  });
});
