import type { ClientAuthentication } from '../client-authentication.js';
import type { OAuthContext } from '../context.js';
import type { GrantType } from '../events.js';
import type { Params } from '../params.js';
import type { IssuedToken } from '../tokens.js';

/** One grant type of the token endpoint (RFC 6749 §4), in a module of its own. */
export interface Grant {
  readonly type: GrantType;
  /** Runs the grant's checks in Doorkeeper's order (each grant decides when the client is authenticated). */
  handle(ctx: OAuthContext, params: Params, client: ClientAuthentication): Promise<IssuedToken>;
}
