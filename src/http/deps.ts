import type { Config } from '../config.js';
import type { OAuthContext } from '../core/context.js';
import type { CookiePolicy } from './session.js';

/** What every route module receives. */
export interface HttpDeps {
  ctx: OAuthContext;
  config: Config;
  cookies: CookiePolicy;
}
