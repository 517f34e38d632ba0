import { ClientAuthentication } from '../client-authentication.js';
import type { OAuthContext } from '../context.js';
import { respond, type TokenRequest } from '../endpoint.js';
import type { WireResponse } from '../error-response.js';
import type { DeviceCode } from '../model.js';
import { resolveScopes } from '../scopes.js';
import { randomSecret, secretHash } from '../secrets.js';
import { formatUserCode, newUserCode } from './user-code.js';

/** RFC 8628 §3.2: seconds a device waits between polls, unless slow_down made it wait longer (§3.5). */
export const POLL_INTERVAL = 5;

/** The verification page, where the user types the user code (RFC 8628 §3.3). */
export const VERIFICATION_PATH = '/oauth/device';

/** Draws of a user code taken by another device before giving up (each draw collides about once in 2^34). */
const USER_CODE_DRAWS = 5;

/** RFC 8628 §3.2, in its order. */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/**
 * A new device code with a user code no other device code has. Both exist in clear only in the answer; the device
 * code is 43 characters from the CSPRNG, like every other secret (core/secrets.ts).
 */
async function issueDeviceCode(
  ctx: OAuthContext,
  applicationId: number,
  scopes: string[],
): Promise<{ deviceCode: string; userCode: string; record: DeviceCode }> {
  const at = ctx.now();
  for (let draw = 0; draw < USER_CODE_DRAWS; draw++) {
    const deviceCode = randomSecret();
    const userCode = newUserCode();
    const record = await ctx.stores.deviceCodes.create({
      deviceCodeHash: secretHash(deviceCode),
      userCodeHash: secretHash(userCode),
      applicationId,
      scopes,
      interval: POLL_INTERVAL,
      at,
      expiresAt: at + ctx.deviceCodeTtl * 1000,
    });
    if (record) return { deviceCode, userCode, record };
  }
  throw new Error(`no free user code in ${USER_CODE_DRAWS} draws`);
}

/**
 * POST /oauth/device_authorization (RFC 8628 §3.1, §3.2), in the token endpoint's frame (no-store, one error
 * serializer, parameters that are strings and not repeated): authenticate the client by the one policy (a public
 * client by its client_id alone), resolve the scope as the authorization endpoint does, and answer a device code
 * with the user code and where to type it.
 */
export function deviceAuthorizationEndpoint(ctx: OAuthContext, request: TokenRequest): Promise<WireResponse> {
  return respond(ctx, request, async (params): Promise<DeviceAuthorizationResponse> => {
    const authentication = ClientAuthentication.read(request.authorization, params, ctx.events);
    // From the database, not the process's cache: a secret changed on another process is refused at once (issue 16).
    const client = await authentication.authenticate(ctx.stores, { fresh: true });
    const scopes = resolveScopes(params.get('scope'), client.scopes);
    const { deviceCode, userCode } = await issueDeviceCode(ctx, client.id, scopes);
    const shown = formatUserCode(userCode);
    const verificationUri = `${ctx.publicUrl}${VERIFICATION_PATH}`;
    return {
      device_code: deviceCode,
      user_code: shown,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${shown}`,
      expires_in: ctx.deviceCodeTtl,
      interval: POLL_INTERVAL,
    };
  });
}
