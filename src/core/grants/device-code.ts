import type { OAuthContext } from '../context.js';
import {
  AccessDenied,
  AuthorizationPending,
  ExpiredToken,
  InvalidGrant,
  InvalidRequest,
  SlowDown,
  type OAuthError,
} from '../errors.js';
import type { DeviceCode } from '../model.js';
import type { Stores } from '../ports/stores.js';
import { randomSecret, secretHash } from '../secrets.js';
import { issueToken, type IssuedToken } from '../tokens.js';
import type { Grant } from './grant.js';

/** RFC 8628 §3.5: what each slow_down adds to the interval, for that poll and every later one. */
const SLOW_DOWN_STEP = 5;

/**
 * RFC 8628 §3.5: a poll sooner than `interval` seconds after the previous one is slow_down, and the interval grows
 * from then on; any other is authorization_pending. A poll another request recorded after this one read the device
 * code came at the same moment: too soon as well.
 */
async function pollAnswer(ctx: OAuthContext, deviceCode: DeviceCode, now: number): Promise<OAuthError> {
  const { lastPolledAt } = deviceCode;
  const tooSoon = lastPolledAt !== null && now - lastPolledAt < deviceCode.interval * 1000;
  const interval = tooSoon ? deviceCode.interval + SLOW_DOWN_STEP : deviceCode.interval;
  const recorded = await ctx.stores.deviceCodes.recordPoll(deviceCode.id, lastPolledAt, interval, now);
  return tooSoon || !recorded ? new SlowDown() : new AuthorizationPending();
}

/**
 * The access grant the tokens descend from (access_tokens.grant_id, their family), as a code's tokens do, so that
 * what acts on a family (revoking an authorization's every token when a refresh token is replayed, RFC 9700
 * §4.14.2) acts on a device's tokens alike. It is recorded as already redeemed, with a code nobody ever saw: it can
 * never be presented.
 */
async function familyRoot(
  stores: Stores,
  token: { applicationId: number; userId: number; scopes: string[] },
  at: number,
): Promise<number> {
  const codeHash = secretHash(randomSecret());
  const grant = await stores.codes.create({ ...token, codeHash, redirectUri: '', expiresIn: 0, at });
  await stores.codes.consume(codeHash, token.applicationId, at);
  return grant.id;
}

/**
 * The approved device code exchanged for an access and a refresh token, like an authorization code: once. The
 * redemption is one conditional UPDATE in the transaction that issues the tokens, so of concurrent polls exactly
 * one gets them; the others, and every poll after, get invalid_grant.
 */
async function redeem(
  ctx: OAuthContext,
  deviceCodeHash: string,
  applicationId: number,
  now: number,
): Promise<IssuedToken> {
  const issued = await ctx.stores.transaction(async (stores) => {
    const redeemed = await stores.deviceCodes.redeem(deviceCodeHash, applicationId, now);
    if (!redeemed || redeemed.userId === null) return undefined;
    const { userId, scopes } = redeemed;
    return issueToken(stores.tokens, {
      applicationId,
      userId,
      grantId: await familyRoot(stores, { applicationId, userId, scopes }, now),
      parentId: null,
      scopes,
      withRefreshToken: true,
      previousRefreshTokenHash: null,
      expiresIn: ctx.accessTokenTtl,
      at: now,
    });
  });
  if (!issued) throw new InvalidGrant();
  return issued;
}

/**
 * RFC 8628 §3.4, §3.5: a device polling with its device code. The device code is bound to its client: another
 * client's, an unknown one and one already exchanged are all invalid_grant. Then, in order: expired_token,
 * access_denied, authorization_pending or slow_down while the user has not answered, and the tokens once approved.
 * Public and confidential applications alike, each authenticated by the one policy.
 */
export const deviceCodeGrant: Grant = {
  type: 'urn:ietf:params:oauth:grant-type:device_code',

  async handle(ctx, params, authentication) {
    const deviceCode = params.get('device_code');
    if (deviceCode === undefined) throw InvalidRequest.missing('device_code');
    // Read from the database, not the process's cache: a poll comes every few seconds at most, and a secret changed
    // or an application deleted on another process is then refused at once (issue 16, docs/benchmarks.md).
    const client = await authentication.authenticate(ctx.stores, { fresh: true });
    const deviceCodeHash = secretHash(deviceCode);
    const now = ctx.now();
    const found = await ctx.stores.deviceCodes.findByHash(deviceCodeHash);
    if (!found || found.applicationId !== client.id || found.redeemedAt !== null) throw new InvalidGrant();
    if (now >= found.expiresAt) throw new ExpiredToken();
    switch (found.status) {
      case 'denied':
        throw new AccessDenied();
      case 'pending':
        throw await pollAnswer(ctx, found, now);
      case 'approved':
        return redeem(ctx, deviceCodeHash, client.id, now);
    }
  },
};
