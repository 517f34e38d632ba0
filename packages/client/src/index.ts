/**
 * @monban/client: an OAuth 2.0 client for Monban and Shikimori.
 *
 * Two layers. {@link createClient} does everything an application needs. Below it, request/process pairs after
 * oauth4webapi's design: each `…Request` function builds a `Request` (nothing is sent), each `process…Response`
 * reads a `Response`, so every step can be tested without a network and sent with any `fetch`.
 *
 * @example
 * ```ts
 * import { createClient } from '@monban/client';
 * const client = createClient({ baseUrl: 'https://shikimori.one', clientId, userAgent: 'My app/1.0' });
 * ```
 *
 * @packageDocumentation
 */
export { createClient } from './client.js';
export type { ClientOptions, DeviceCodePrompt, LockManagerLike, MonbanClient } from './client.js';
export { buildAuthorizationUrl, validateCallback } from './authorization.js';
export type { AuthorizationParameters } from './authorization.js';
export { isInvalidTokenResponse, withBearer } from './bearer.js';
export {
  DEVICE_CODE_GRANT_TYPE,
  SLOW_DOWN_STEP,
  deviceAuthorizationRequest,
  deviceTokenRequest,
  pollDeviceToken,
  processDeviceAuthorizationResponse,
  processDeviceTokenResponse,
} from './device.js';
export type { DeviceAuthorization, DevicePollResult, PollOptions } from './device.js';
export { ClientUsageError, OAuthError, ResponseError } from './errors.js';
export type { ResponseErrorCode, UsageErrorCode } from './errors.js';
export { RateLimiter, SHIKIMORI_LIMITS } from './limiter.js';
export type { RateWindow } from './limiter.js';
export { codeChallengeS256, randomToken } from './pkce.js';
export { backoffMs, retryAfterMs, sendWithRetry } from './retry.js';
export type { RetryDeps, RetryOptions } from './retry.js';
export { discoveryRequest, normalizeBaseUrl, processDiscoveryResponse, shikimoriServer } from './server.js';
export type { AuthorizationServer } from './server.js';
export { localStorageStore, memoryStore } from './storage.js';
export type { TokenStorage, WebStorageLike } from './storage.js';
export {
  authorizationCodeRequest,
  processRevocationResponse,
  processTokenResponse,
  refreshTokenRequest,
  revocationRequest,
} from './tokens.js';
export type { TokenSet } from './tokens.js';
export type { ClientCredentials, RequestOptions } from './wire.js';
