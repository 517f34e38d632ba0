import type { OAuthContext } from '../context.js';
import { decideDeviceRequest } from '../device/decision.js';
import { InvalidClient, InvalidRedirectUri, InvalidRequest, OAuthError } from '../errors.js';
import type { PendingAuthorization, User } from '../model.js';
import type { Params } from '../params.js';
import { redirectUriMatches } from '../redirect-uri.js';
import { randomSecret, secretHash } from '../secrets.js';
import { approve, deny, errorRedirect, hasPriorConsent, type Redirect } from './decision.js';
import { AuthorizationError, validateAuthorizationRequest, type AuthorizationRequest } from './request.js';

/** How long a consent page may wait for the user's answer. */
export const AUTHORIZATION_REQUEST_TTL_MS = 30 * 60 * 1000;

/**
 * The small interface the pages use: what is being asked, accept, deny. Pages never reach into codes or tokens.
 * A consent page carries `requestId`, the opaque id of the request kept on the server (and nothing else of it).
 */
export type AuthorizationOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'error'; error: OAuthError }
  | { kind: 'consent'; request: AuthorizationRequest; requestId: string; problem?: 'no_scope_chosen' };

/**
 * Who is deciding: the signed-in user, and the browser session they are signed in with (`sessionKey`, an opaque
 * string the pages derive from the session cookie). A request kept on the server is decided only in its session.
 */
export interface Decider {
  user: User;
  sessionKey: string;
}

function fromError(ctx: OAuthContext, err: unknown): AuthorizationOutcome {
  if (err instanceof AuthorizationError) {
    return err.redirectUri === undefined
      ? { kind: 'error', error: err.error }
      : { kind: 'redirect', ...errorRedirect(ctx, err.redirectUri, err.error, err.state) };
  }
  throw err;
}

function granted(ctx: OAuthContext, request: AuthorizationRequest, user: User, scopes: string[], prior: boolean) {
  ctx.events.emit({ type: 'authorization.granted', applicationId: request.application.id, userId: user.id, scopes, prior });
}

function redirect(to: Redirect): AuthorizationOutcome {
  return { kind: 'redirect', location: to.location };
}

/**
 * GET /oauth/authorize for a signed-in user: an error, a redirect (prior consent), or the consent page. The request
 * is validated here, once, and kept on the server for AUTHORIZATION_REQUEST_TTL_MS under a new opaque id bound to
 * the decider's session; only the id's hash is stored.
 */
export async function startAuthorization(
  ctx: OAuthContext,
  params: Params,
  decider: Decider,
): Promise<AuthorizationOutcome> {
  try {
    const request = await validateAuthorizationRequest(ctx, params);
    if (await hasPriorConsent(ctx, request, decider.user)) {
      const approved = await approve(ctx, ctx.stores, request, decider.user, request.scopes);
      granted(ctx, request, decider.user, request.scopes, true);
      return redirect(approved);
    }
    const requestId = randomSecret();
    const now = ctx.now();
    await ctx.stores.authorizationRequests.create({
      idHash: secretHash(requestId),
      sessionHash: secretHash(decider.sessionKey),
      userId: decider.user.id,
      applicationId: request.application.id,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      state: request.state,
      codeChallenge: request.codeChallenge,
      at: now,
      expiresAt: now + AUTHORIZATION_REQUEST_TTL_MS,
    });
    return { kind: 'consent', request, requestId };
  } catch (err) {
    return fromError(ctx, err);
  }
}

export type Decision = { approve: false } | { approve: true; chosenScopes: string[] | undefined };

/** A decision for a request that is not (or no longer) waiting for this session's answer. */
export const UNKNOWN_REQUEST =
  'The authorization request is unknown, has expired or has already been answered. Start again from the application.';

/**
 * The kept request as it stands now: its application may have been deleted, or its redirect URI unregistered,
 * while the consent page was open. Nothing is redirected then, as for a request that fails those checks at first.
 */
async function reload(ctx: OAuthContext, pending: PendingAuthorization): Promise<AuthorizationRequest> {
  const application = await ctx.stores.applications.findById(pending.applicationId);
  if (!application) throw new AuthorizationError(new InvalidClient());
  if (!application.redirectUris.some((registered) => redirectUriMatches(pending.redirectUri, registered))) {
    throw new AuthorizationError(new InvalidRedirectUri());
  }
  return {
    application,
    redirectUri: pending.redirectUri,
    scopes: pending.scopes,
    state: pending.state ?? undefined,
    codeChallenge: pending.codeChallenge ?? undefined,
  };
}

/**
 * The consent form's answer: the id of a request kept by startAuthorization, and the decision. A request is
 * decided once, by the session that asked, before it expires; anything else issues nothing. The user may narrow
 * the scopes by unticking them (`chosenScopes`), never widen them; unticking all of them keeps the request open.
 */
export async function decideAuthorization(
  ctx: OAuthContext,
  requestId: string | undefined,
  decider: Decider,
  decision: Decision,
): Promise<AuthorizationOutcome> {
  const unknown: AuthorizationOutcome = { kind: 'error', error: new InvalidRequest(UNKNOWN_REQUEST) };
  if (requestId === undefined) return unknown;
  const idHash = secretHash(requestId);
  const sessionHash = secretHash(decider.sessionKey);
  try {
    const open = await ctx.stores.authorizationRequests.findOpen(idHash, sessionHash, ctx.now());
    if (!open || open.userId !== decider.user.id) return unknown;
    // A device's request (RFC 8628 §3.3) is answered to its device code, not to a redirect URI.
    const { deviceCodeId } = open;
    if (deviceCodeId !== undefined) {
      return (await decideDeviceRequest(ctx, { ...open, deviceCodeId }, requestId, decider, decision)) ?? unknown;
    }
    const request = await reload(ctx, open);
    const chosen = decision.approve ? decision.chosenScopes : undefined;
    const scopes = chosen === undefined ? request.scopes : request.scopes.filter((s) => chosen.includes(s));
    if (decision.approve && scopes.length === 0) {
      return { kind: 'consent', request, requestId, problem: 'no_scope_chosen' };
    }
    // Decided and answered in one transaction: of two answers sent at once, one wins and the other issues nothing.
    const answer = await ctx.stores.transaction(async (stores) => {
      if (!(await stores.authorizationRequests.decide(idHash, sessionHash, ctx.now()))) return undefined;
      return decision.approve ? approve(ctx, stores, request, decider.user, scopes) : deny(ctx, request);
    });
    if (answer === undefined) return unknown;
    if (decision.approve) granted(ctx, request, decider.user, scopes, false);
    else ctx.events.emit({ type: 'authorization.denied', applicationId: request.application.id, userId: decider.user.id });
    return answer instanceof OAuthError ? { kind: 'error', error: answer } : redirect(answer);
  } catch (err) {
    return fromError(ctx, err);
  }
}
