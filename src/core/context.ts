import type { KeyObject } from 'node:crypto';
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
  /** Seconds a device code lives (MONBAN_DEVICE_CODE_TTL, RFC 8628 §3.2 expires_in). */
  deviceCodeTtl: number;
  /**
   * The server's key that derives a refresh token's successor (core/refresh-successor.ts): made once per database
   * (migration 005), read at start-up, the same in every process.
   */
  refreshSuccessorKey: KeyObject;
  /**
   * Seconds after its successor's first use during which a rotated-out refresh token still gets that successor
   * (MONBAN_REFRESH_REUSE_GRACE; 0: none), instead of being a replay.
   */
  refreshReuseGrace: number;
  /** Monban's base URL, for out-of-band code pages. */
  publicUrl: string;
  now(): number;
  /** Where the core tells what it did (metrics and logs listen). */
  events: Events;
  /** Where unexpected errors go before they are answered as `server_error`. */
  reportError(err: unknown): void;
}
