import { InvalidGrant, InvalidRequest } from '../errors.js';
import { isExpired } from '../model.js';
import { verifierSatisfies } from '../pkce.js';
import { secretHash } from '../secrets.js';
import { issueToken, type IssuedToken } from '../tokens.js';
import { exchangeAtOnce } from './code-at-once.js';
import type { Grant } from './grant.js';

type Redemption =
  | { issued: IssuedToken; grantId: number; userId: number }
  | { replayOf: number; userId: number }
  | { invalid: true };

/** RFC 6749 §4.1.3: exchanging an authorization code for tokens. */
export const authorizationCodeGrant: Grant = {
  type: 'authorization_code',

  async handle(ctx, params, authentication) {
    const code = params.get('code');
    if (code === undefined) throw InvalidRequest.missing('code');
    // Doorkeeper checks redirect_uri's presence before the client (compatibility.md §4.3).
    const redirectUri = params.get('redirect_uri');
    if (redirectUri === undefined) throw InvalidRequest.missing('redirect_uri');
    let client = await authentication.authenticate(ctx.stores);
    const codeVerifier = params.get('code_verifier');
    const codeHash = secretHash(code);
    const now = ctx.now();

    // The common case, an exchange that passes every check, in one statement; any other outcome takes the transaction.
    const exchanged = await exchangeAtOnce(ctx, client, { codeHash, redirectUri, codeVerifier, at: now });
    if (exchanged) {
      const { grantId, userId } = exchanged.record;
      if (grantId === null || userId === null) throw new Error('an exchanged token has no code or no user');
      ctx.events.emit({ type: 'code.redeemed', applicationId: client.id, userId, grantId });
      return exchanged;
    }
    // The statement also wrote nothing if the application changed since this process cached it (issue 16): the
    // client is authenticated again from the database (a deleted application, an old secret: invalid_client, as in
    // the process that changed it), before anything is decided about the code.
    client = await authentication.authenticate(ctx.stores, { fresh: true });

    const redemption = await ctx.stores.transaction(async (stores): Promise<Redemption> => {
      const grant = await stores.codes.consume(codeHash, client.id, now);
      if (!grant) {
        const known = await stores.codes.findByHash(codeHash);
        return known && known.applicationId === client.id && known.revokedAt !== null
          ? { replayOf: known.id, userId: known.userId }
          : { invalid: true };
      }
      // RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
      if (isExpired(grant, now) || grant.redirectUri !== redirectUri) return { invalid: true };
      // RFC 7636 §4.6, RFC 9700 §2.1.1: the verifier must fit the code's challenge, and none may come for a code
      // issued without one (a downgrade). A public client's code must have one: the authorization endpoint sees to
      // it (core/pkce.ts), and this to a code made any other way. Like every failed exchange of a live code, a
      // failure here uses the code up (the transaction commits): a code is single use, and sending it again is a
      // replay (security.md #61).
      if (!verifierSatisfies(codeVerifier, grant.codeChallenge)) return { invalid: true };
      if (!client.confidential && grant.codeChallenge === null) return { invalid: true };
      const issued = await issueToken(stores.tokens, {
        applicationId: client.id,
        userId: grant.userId,
        grantId: grant.id,
        parentId: null,
        scopes: grant.scopes,
        withRefreshToken: true,
        previousRefreshTokenHash: null,
        expiresIn: ctx.accessTokenTtl,
        at: now,
      });
      return { issued, grantId: grant.id, userId: grant.userId };
    });

    if ('issued' in redemption) {
      const { grantId, userId } = redemption;
      ctx.events.emit({ type: 'code.redeemed', applicationId: client.id, userId, grantId });
      return redemption.issued;
    }
    // RFC 6749 §4.1.2, RFC 9700 §4.5: a code used twice revokes every token issued from it.
    if ('replayOf' in redemption) {
      const tokensRevoked = await ctx.stores.tokens.revokeFamily(redemption.replayOf, now);
      ctx.events.emit({
        type: 'code.replayed',
        applicationId: client.id,
        userId: redemption.userId,
        grantId: redemption.replayOf,
        tokensRevoked,
      });
    }
    throw new InvalidGrant();
  },
};
