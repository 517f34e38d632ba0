import type { Kysely } from 'kysely';
import { LEGACY_KEY_PREFIX, nicknameKey } from '../../core/nickname-key.js';

interface UsersKeys {
  users: { id: number; nickname: string; nickname_key: string };
}

/** Marks a row between the two passes; '\u0001' is in no nickname key, old or new. */
const MOVING = '\u0001';

/**
 * users.nickname_key becomes the look-alike fold (core/nickname-key.ts) instead of NFC lower case.
 *
 * Accounts made before it may now share a key (`alice` and a Cyrillic `аlice`). Nobody is renamed or locked out:
 * the oldest account (lowest id) takes the shared key, and each younger one keeps its old key behind
 * LEGACY_KEY_PREFIX, which the user store also looks up on sign-in (sql/users.ts findByNickname), preferring it:
 * typing one's exact nickname (in any case, as before) still reaches one's own account. A look-alike spelling
 * reaches the oldest. New registrations of any look-alike are refused, as for every other key.
 *
 * Two passes, because one row's new key may be another row's old key: first every changing row gets a placeholder
 * unique to its id, then its final key. Runs in the migrator's transaction on both dialects (dialect.ts).
 */
export function nicknameSkeleton() {
  return {
    async up(untyped: Kysely<unknown>): Promise<void> {
      const db = untyped as unknown as Kysely<UsersKeys>;
      const rows = await db.selectFrom('users').select(['id', 'nickname', 'nickname_key']).orderBy('id').execute();
      const taken = new Set<string>();
      const changes: Array<{ id: number; key: string }> = [];
      for (const row of rows) {
        const folded = nicknameKey(row.nickname);
        const key = taken.has(folded) ? `${LEGACY_KEY_PREFIX}${row.nickname_key}` : folded;
        taken.add(folded);
        if (key !== row.nickname_key) changes.push({ id: row.id, key });
      }
      for (const { id } of changes) {
        await db.updateTable('users').set({ nickname_key: `${MOVING}${id}` }).where('id', '=', id).execute();
      }
      for (const { id, key } of changes) {
        await db.updateTable('users').set({ nickname_key: key }).where('id', '=', id).execute();
      }
    },
  };
}
