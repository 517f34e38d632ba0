import type { AttemptCounter } from '../accounts/throttle.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { OAuthContext } from '../core/context.js';
import type { Ops } from '../ops/index.js';
import type { CookiePolicy } from './session.js';

/** What every route module receives. */
export interface HttpDeps {
  ctx: OAuthContext;
  config: Config;
  cookies: CookiePolicy;
  /** Failed sign-ins, counted per nickname and per address (accounts/throttle.ts). */
  signInAttempts: AttemptCounter;
  /** Health, metrics, logs and rate limits (src/ops). */
  ops: Ops;
  /** The audit log's writer, flushed before a page reads the log (audit/audit-log.ts); none: nothing to flush. */
  audit?: AuditLog;
}
