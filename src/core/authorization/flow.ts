import type { OAuthContext } from '../context.js';
import { OAuthError } from '../errors.js';
import type { User } from '../model.js';
import type { Params } from '../params.js';
import { approve, deny, errorRedirect, hasPriorConsent, type Redirect } from './decision.js';
import { AuthorizationError, validateAuthorizationRequest, type AuthorizationRequest } from './request.js';

/**
 * The small interface the pages use: what is being asked, accept, deny. Pages never reach into codes or tokens.
 */
export type AuthorizationOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'error'; error: OAuthError }
  | { kind: 'consent'; request: AuthorizationRequest; problem?: 'no_scope_chosen' };

function fromError(err: unknown): AuthorizationOutcome {
  if (err instanceof AuthorizationError) {
    return err.redirectUri === undefined
      ? { kind: 'error', error: err.error }
      : { kind: 'redirect', ...errorRedirect(err.redirectUri, err.error, err.state) };
  }
  throw err;
}

function redirect(to: Redirect): AuthorizationOutcome {
  return { kind: 'redirect', location: to.location };
}

/** GET /oauth/authorize for a signed-in user: an error, a redirect (prior consent), or the consent page. */
export async function startAuthorization(ctx: OAuthContext, params: Params, user: User): Promise<AuthorizationOutcome> {
  try {
    const request = await validateAuthorizationRequest(ctx, params);
    if (await hasPriorConsent(ctx, request, user)) return redirect(await approve(ctx, request, user, request.scopes));
    return { kind: 'consent', request };
  } catch (err) {
    return fromError(err);
  }
}

export type Decision = { approve: false } | { approve: true; chosenScopes: string[] | undefined };

/**
 * The consent form's answer. The request is validated again from the form's hidden fields; the user may narrow
 * the scopes by unticking them (`chosenScopes`), never widen them.
 */
export async function decideAuthorization(
  ctx: OAuthContext,
  params: Params,
  user: User,
  decision: Decision,
): Promise<AuthorizationOutcome> {
  try {
    const request = await validateAuthorizationRequest(ctx, params);
    if (!decision.approve) {
      const answer = deny(request);
      return answer instanceof OAuthError ? { kind: 'error', error: answer } : redirect(answer);
    }
    const chosen = decision.chosenScopes;
    const scopes = chosen === undefined ? request.scopes : request.scopes.filter((s) => chosen.includes(s));
    if (scopes.length === 0) return { kind: 'consent', request, problem: 'no_scope_chosen' };
    return redirect(await approve(ctx, request, user, scopes));
  } catch (err) {
    return fromError(err);
  }
}
