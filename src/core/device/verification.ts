import { AUTHORIZATION_REQUEST_TTL_MS, type AuthorizationOutcome, type Decider } from '../authorization/flow.js';
import type { OAuthContext } from '../context.js';
import { randomSecret, secretHash } from '../secrets.js';
import { deviceRequest } from './request.js';
import { normalizeUserCode } from './user-code.js';

/** The consent page for a device's request kept on the server, and the request's opaque id. */
export type DeviceConsent = Extract<AuthorizationOutcome, { kind: 'consent' }>;

/** What the verification form's user code led to: the consent page, or no device waiting for that code. */
export type VerificationOutcome = { kind: 'unknown_code' } | DeviceConsent;

/**
 * The verification page's answer (RFC 8628 §3.3): the user code a signed-in user typed. A pending, unexpired device
 * code with that user code becomes an authorization request kept on the server and bound to the session, exactly
 * as GET /oauth/authorize keeps one, so that the same consent page asks and the same form answers
 * (core/authorization/flow.ts hands a device's answer to device/decision.ts). Consent is never skipped for a
 * device, even one the user approved before: each device is confirmed (RFC 8628 §5.4, remote phishing).
 */
export async function startDeviceAuthorization(
  ctx: OAuthContext,
  typedUserCode: string,
  decider: Decider,
): Promise<VerificationOutcome> {
  const unknown: VerificationOutcome = { kind: 'unknown_code' };
  const userCode = normalizeUserCode(typedUserCode);
  if (userCode === undefined) return unknown;
  const now = ctx.now();
  const deviceCode = await ctx.stores.deviceCodes.findPendingByUserCode(secretHash(userCode), now);
  if (!deviceCode) return unknown;
  const application = await ctx.stores.applications.findById(deviceCode.applicationId);
  if (!application) return unknown;

  const requestId = randomSecret();
  await ctx.stores.authorizationRequests.create({
    idHash: secretHash(requestId),
    sessionHash: secretHash(decider.sessionKey),
    userId: decider.user.id,
    applicationId: application.id,
    redirectUri: '',
    scopes: deviceCode.scopes,
    state: undefined,
    deviceCodeId: deviceCode.id,
    at: now,
    // No longer than the device code: an answer after it expired could reach no device.
    expiresAt: Math.min(now + AUTHORIZATION_REQUEST_TTL_MS, deviceCode.expiresAt),
  });
  return { kind: 'consent', request: deviceRequest(application, deviceCode.scopes, deviceCode.id), requestId };
}

/**
 * The consent page for a device's request that startDeviceAuthorization kept, shown again and again, creating
 * nothing: the verification form answers with a redirect here (post/redirect/get), so a reload asks the same request.
 * Undefined unless the request is a device's, undecided, unexpired, and was made by this user in this session, as
 * decideAuthorization requires to answer it. Whether its device code is still pending is told by the answer.
 */
export async function deviceConsent(
  ctx: OAuthContext,
  requestId: string | undefined,
  decider: Decider,
): Promise<DeviceConsent | undefined> {
  if (requestId === undefined || requestId === '') return undefined;
  const open = await ctx.stores.authorizationRequests.findOpen(
    secretHash(requestId),
    secretHash(decider.sessionKey),
    ctx.now(),
  );
  if (!open || open.userId !== decider.user.id || open.deviceCodeId === undefined) return undefined;
  const application = await ctx.stores.applications.findById(open.applicationId);
  if (!application) return undefined;
  return { kind: 'consent', request: deviceRequest(application, open.scopes, open.deviceCodeId), requestId };
}
