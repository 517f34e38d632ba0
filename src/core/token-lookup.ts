import type { OAuthContext } from './context.js';
import type { AccessToken } from './model.js';
import { secretHash } from './secrets.js';

export interface FoundToken {
  record: AccessToken;
  /** Which of the row's two secrets was presented. */
  kind: 'access_token' | 'refresh_token';
}

/**
 * Finds a token by either of its secrets, trying the hinted kind first (RFC 7009 §2.1, RFC 7662 §2.1). A token whose
 * application or user is gone is not found (AccessTokenStore): inactive to introspection, unknown to revocation.
 */
export async function findToken(
  ctx: OAuthContext,
  token: string,
  hint: string | undefined,
): Promise<FoundToken | undefined> {
  const hash = secretHash(token);
  const order: FoundToken['kind'][] =
    hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
  for (const kind of order) {
    const record =
      kind === 'access_token'
        ? await ctx.stores.tokens.findByToken(hash)
        : await ctx.stores.tokens.findByRefreshToken(hash);
    if (record) return { record, kind };
  }
  return undefined;
}
