import type { OAuthContext } from '../context.js';
import { UnauthorizedClient } from '../errors.js';
import type { Application } from '../model.js';
import type { Params } from '../params.js';
import { resolveScopes } from '../scopes.js';
import { issueTokenIfCurrent, type IssuedToken } from '../tokens.js';
import type { Grant } from './grant.js';

/**
 * How many times the client is authenticated again from the database when its application keeps changing between
 * that read and the token's INSERT; past them the request fails (500), as no answer would be true.
 */
const FRESH_ATTEMPTS = 3;

/** RFC 6749 §4.4: a token for the client itself, with no user and no refresh token (compatibility.md §4.5). */
export const clientCredentialsGrant: Grant = {
  type: 'client_credentials',

  async handle(ctx, params, authentication) {
    const issued = await issueIfCurrent(ctx, params, await authentication.authenticate(ctx.stores));
    if (issued) return issued;
    // The application changed or went since this process cached it (issue 16; the INSERT wrote nothing): the client
    // is authenticated again from the database, so that a deleted application or an old secret is invalid_client
    // here as in the process that changed it.
    for (let attempt = 0; attempt < FRESH_ATTEMPTS; attempt++) {
      const fresh = await issueIfCurrent(ctx, params, await authentication.authenticate(ctx.stores, { fresh: true }));
      if (fresh) return fresh;
    }
    throw new Error('the application kept changing while a client_credentials token was issued');
  },
};

/** The token, created only while the application is at the version `client` has (tokens.createIfCurrent). */
async function issueIfCurrent(
  ctx: OAuthContext,
  params: Params,
  client: Application,
): Promise<IssuedToken | undefined> {
  // RFC 6749 §4.4: only a confidential client may ask for a token of its own.
  if (!client.confidential) throw new UnauthorizedClient();
  const scopes = resolveScopes(params.get('scope'), client.scopes);
  const token = {
    applicationId: client.id,
    userId: null,
    grantId: null,
    parentId: null,
    scopes,
    withRefreshToken: false,
    previousRefreshTokenHash: null,
    expiresIn: ctx.accessTokenTtl,
    at: ctx.now(),
  };
  return issueTokenIfCurrent(ctx.stores.tokens, token, client.version);
}
