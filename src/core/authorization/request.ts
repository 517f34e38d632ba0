import type { OAuthContext } from '../context.js';
import { InvalidClient, InvalidRedirectUri, InvalidRequest, OAuthError, UnsupportedResponseType } from '../errors.js';
import type { Application, CodeChallenge } from '../model.js';
import type { Params } from '../params.js';
import { checkCodeChallenge } from '../pkce.js';
import { isOob, redirectUriMatches } from '../redirect-uri.js';
import { resolveScopes } from '../scopes.js';

/** A validated authorization request (RFC 6749 §4.1.1). */
export interface AuthorizationRequest {
  application: Application;
  /** As the client sent it; a loopback URI may differ from the registered one by its port (RFC 8252 §7.3). */
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  /** The PKCE challenge (RFC 7636), bound to the code; undefined when the request sent none. */
  codeChallenge?: CodeChallenge | undefined;
  /** Set for a device's request (RFC 8628 §3.3, core/device/): answered to that device code; redirectUri is empty. */
  deviceCodeId?: number | undefined;
}

/**
 * An authorization error, with where it may be sent: only once the redirect URI is verified, and never to an
 * out-of-band URI, does it go back to the client (RFC 6749 §4.1.2.1); otherwise it is shown to the user.
 */
export class AuthorizationError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly redirectUri?: string,
    readonly state?: string,
  ) {
    super(error.description);
    this.name = 'AuthorizationError';
  }
}

/** RFC 6749 §4.1.2.1: a missing or repeated client_id is never redirected. */
function checkClientId(params: Params): string {
  if (params.isDuplicated('client_id')) throw new AuthorizationError(InvalidRequest.duplicated('client_id'));
  const clientId = params.get('client_id');
  if (clientId === undefined) throw new AuthorizationError(InvalidRequest.missing('client_id'));
  return clientId;
}

/** RFC 6749 §4.1.2.1: an unknown client is never redirected. */
async function checkClient(ctx: OAuthContext, clientId: string): Promise<Application> {
  const application = await ctx.stores.applications.findByUid(clientId);
  if (!application) throw new AuthorizationError(new InvalidClient());
  return application;
}

/** RFC 6749 §3.1.2.3, RFC 9700 §4.1.3: exact match against a registered URI, else no redirect at all. */
function checkRedirectUri(params: Params, application: Application): string {
  if (params.isDuplicated('redirect_uri')) throw new AuthorizationError(InvalidRequest.duplicated('redirect_uri'));
  const redirectUri = params.get('redirect_uri');
  // Doorkeeper's validate_redirect_uri: a blank redirect_uri is invalid_redirect_uri, like a wrong one (compatibility.md §4.1).
  if (redirectUri === undefined) throw new AuthorizationError(new InvalidRedirectUri());
  if (!application.redirectUris.some((registered) => redirectUriMatches(redirectUri, registered))) {
    throw new AuthorizationError(new InvalidRedirectUri());
  }
  return redirectUri;
}

/** RFC 6749 §3.1: no parameter may repeat; a repeated state is not echoed, being ambiguous. */
function checkNoDuplicates(params: Params): void {
  const duplicate = params.firstDuplicate();
  if (duplicate !== undefined) throw InvalidRequest.duplicated(duplicate);
}

/** RFC 6749 §4.1.1, §4.1.2.1: only `code`; the implicit grant is not offered (RFC 9700 §2.1.2). */
function checkResponseType(params: Params): void {
  const responseType = params.get('response_type');
  if (responseType === undefined) throw InvalidRequest.missing('response_type');
  if (responseType !== 'code') throw new UnsupportedResponseType();
}

/**
 * Validates an authorization request in Doorkeeper's order (compatibility.md §4.1): client_id, client, redirect_uri, then the
 * errors that can be redirected: repeated parameters, response_type, scope, PKCE (core/pkce.ts).
 */
export async function validateAuthorizationRequest(
  ctx: OAuthContext,
  params: Params,
): Promise<AuthorizationRequest> {
  const clientId = checkClientId(params);
  const application = await checkClient(ctx, clientId);
  const redirectUri = checkRedirectUri(params, application);
  const state = params.isDuplicated('state') ? undefined : params.get('state');
  try {
    checkNoDuplicates(params);
    checkResponseType(params);
    const scopes = resolveScopes(params.get('scope'), application.scopes);
    const codeChallenge = checkCodeChallenge(params, application);
    return { application, redirectUri, scopes, state, codeChallenge };
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    throw new AuthorizationError(err, isOob(redirectUri) ? undefined : redirectUri, state);
  }
}
