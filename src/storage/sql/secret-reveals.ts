import type { Kysely } from 'kysely';
import type { NewSecretReveal, SecretReveal, SecretRevealStore } from '../../core/ports/stores.js';
import type { Database } from '../schema.js';

/** Seldom-run queries (once per application created or secret regenerated), built as they run. */
export class SqlSecretRevealStore implements SecretRevealStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(reveal: NewSecretReveal): Promise<void> {
    await this.db.deleteFrom('secret_reveals').where('expires_at', '<=', reveal.at).execute();
    await this.db
      .insertInto('secret_reveals')
      .values({
        id_hash: reveal.idHash,
        session_hash: reveal.sessionHash,
        application_id: reveal.applicationId,
        kind: reveal.kind,
        sealed_secret: reveal.sealedSecret,
        created_at: reveal.at,
        expires_at: reveal.expiresAt,
      })
      .execute();
  }

  async take(idHash: string, sessionHash: string, now: number): Promise<SecretReveal | undefined> {
    // One DELETE ... RETURNING: of concurrent views, in any process, the database gives the row to exactly one.
    const row = await this.db
      .deleteFrom('secret_reveals')
      .where('id_hash', '=', idHash)
      .where('session_hash', '=', sessionHash)
      .where('expires_at', '>', now)
      .returning(['application_id', 'kind', 'sealed_secret'])
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      applicationId: Number(row.application_id),
      kind: row.kind === 'regenerated' ? 'regenerated' : 'created',
      sealedSecret: row.sealed_secret,
    };
  }
}
