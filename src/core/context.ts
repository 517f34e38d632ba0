import type { Stores } from './ports/stores.js';
import type { Events } from './events.js';
import type { LastUseRecorder } from './last-use.js';

/** What the protocol core needs from its surroundings. */
export interface OAuthContext {
  stores: Stores;
  /** Where bearer-authenticated requests note their token's use (written in batches). */
  lastUse: LastUseRecorder;
  /** Seconds an access token lives (MONBAN_ACCESS_TOKEN_TTL). */
  accessTokenTtl: number;
  /** Seconds an authorization code lives (MONBAN_CODE_TTL). */
  codeTtl: number;
  /** Monban's base URL, for out-of-band code pages. */
  publicUrl: string;
  now(): number;
  /** Where the core tells what it did (metrics and logs listen). */
  events: Events;
  /** Where unexpected errors go before they are answered as `server_error`. */
  reportError(err: unknown): void;
}
