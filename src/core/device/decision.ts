import type { AuthorizationOutcome, Decider, Decision } from '../authorization/flow.js';
import type { OAuthContext } from '../context.js';
import { InvalidClient, InvalidRequest } from '../errors.js';
import type { PendingAuthorization } from '../model.js';
import type { DeviceDecision } from '../ports/stores.js';
import { secretHash } from '../secrets.js';
import { answeredPath, deviceRequest } from './request.js';

/**
 * The consent form answered for a device code that expired meanwhile, or that another consent page (another
 * user's, who typed the same code) answered first: nothing reaches the device.
 */
export const DEVICE_CODE_GONE = 'The code has expired or has already been answered. Start again on your device.';

/**
 * The consent form's answer to a device's request (RFC 8628 §3.3), kept by startDeviceAuthorization: approve or
 * deny its device code, then send the browser to a page that tells the user to return to the device. As for a
 * browser's request, it is decided once, by the session that asked, and the user may narrow the scopes; the
 * request and the device code are answered in one transaction, each by a conditional UPDATE. Undefined when the
 * request is no longer waiting for this session's answer.
 */
export async function decideDeviceRequest(
  ctx: OAuthContext,
  pending: PendingAuthorization & { deviceCodeId: number },
  requestId: string,
  decider: Decider,
  decision: Decision,
): Promise<AuthorizationOutcome | undefined> {
  const application = await ctx.stores.applications.findById(pending.applicationId);
  if (!application) return { kind: 'error', error: new InvalidClient() };
  const request = deviceRequest(application, pending.scopes, pending.deviceCodeId);
  const chosen = decision.approve ? decision.chosenScopes : undefined;
  const scopes = chosen === undefined ? request.scopes : request.scopes.filter((s) => chosen.includes(s));
  if (decision.approve && scopes.length === 0) {
    return { kind: 'consent', request, requestId, problem: 'no_scope_chosen' };
  }

  const userId = decider.user.id;
  const answer: DeviceDecision = decision.approve ? { approved: true, userId, scopes } : { approved: false, userId };
  const now = ctx.now();
  // A device code already answered or expired leaves the request undecided too: an error changes nothing.
  const gone = new InvalidRequest(DEVICE_CODE_GONE);
  let outcome: 'unknown' | 'answered';
  try {
    outcome = await ctx.stores.transaction(async (stores) => {
      const sessionHash = secretHash(decider.sessionKey);
      if (!(await stores.authorizationRequests.decide(secretHash(requestId), sessionHash, now))) return 'unknown';
      if (!(await stores.deviceCodes.decide(pending.deviceCodeId, answer, now))) throw gone;
      return 'answered';
    });
  } catch (err) {
    if (err === gone) return { kind: 'error', error: gone };
    throw err;
  }
  if (outcome === 'unknown') return undefined;
  if (answer.approved) {
    ctx.events.emit({ type: 'authorization.granted', applicationId: application.id, userId, scopes, prior: false });
  } else {
    ctx.events.emit({ type: 'authorization.denied', applicationId: application.id, userId });
  }
  return { kind: 'redirect', location: `${ctx.publicUrl}${answeredPath(answer.approved)}` };
}
