/**
 * The errors the client throws. Three kinds, so that a caller can tell who is at fault:
 * - {@link OAuthError}: the server answered with an OAuth error (RFC 6749 §5.2, RFC 6750 §3.1, RFC 8628 §3.5);
 * - {@link ResponseError}: the server's answer is not what the protocol allows (a wrong `state` or `iss` in a callback,
 *   a body that is not JSON, a status that means nothing here);
 * - {@link ClientUsageError}: the calling code used the client wrongly (a `TypeError` with a `code`).
 */

/**
 * An OAuth error answered by the server, with its `error` code and `error_description` as sent (RFC 6749 §5.2 for
 * the token endpoint, §4.1.2.1 for an authorization response, RFC 6750 §3.1 for the API, RFC 8628 §3.5 for polling).
 *
 * @example
 * ```ts
 * try {
 *   await client.exchangeCode(code);
 * } catch (err) {
 *   if (err instanceof OAuthError && err.error === 'invalid_grant') console.log('the code was used or expired');
 * }
 * ```
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  /** The `error` code, such as `invalid_grant`. */
  readonly error: string;
  /** The server's `error_description`, when it sent one. */
  readonly error_description: string | undefined;
  /** The HTTP status of the answer; undefined for an error that came back in a redirect (RFC 6749 §4.1.2.1). */
  readonly status: number | undefined;

  constructor(error: string, errorDescription: string | undefined, status?: number) {
    super(errorDescription === undefined ? error : `${error}: ${errorDescription}`);
    this.error = error;
    this.error_description = errorDescription;
    this.status = status;
  }
}

/**
 * What a {@link ResponseError} found wrong: `state_mismatch` (RFC 6749 §10.12), `iss_mismatch` and `iss_missing`
 * (RFC 9207 §2.4), `issuer_mismatch` (RFC 8414 §3.3), `rate_limited` (RFC 6585 §4: still 429 after the retries
 * allowed, at an OAuth endpoint or `whoami()`), and answers that are not what RFC 6749 §5.1 describes.
 *
 * @example
 * ```ts
 * const retry: ResponseErrorCode[] = ['state_mismatch', 'code_missing'];
 * if (err instanceof ResponseError && retry.includes(err.code)) restartSignIn();
 * ```
 */
export type ResponseErrorCode =
  | 'state_mismatch'
  | 'iss_mismatch'
  | 'iss_missing'
  | 'code_missing'
  | 'invalid_json'
  | 'invalid_body'
  | 'unexpected_status'
  | 'issuer_mismatch'
  | 'rate_limited';

/**
 * An answer the protocol does not allow: a callback whose `state` (RFC 6749 §10.12) or `iss` (RFC 9207 §2.4) is
 * wrong, discovery metadata for another issuer (RFC 8414 §3.3), a body that is not the JSON expected, a status that
 * means nothing at this endpoint, or 429 after the retries allowed ran out (`rate_limited`). `status` is the HTTP
 * status of the answer, when there was one.
 *
 * @example
 * ```ts
 * try {
 *   await client.handleCallback(location.href);
 * } catch (err) {
 *   if (err instanceof ResponseError && err.code === 'state_mismatch') showError('Start the sign-in again.');
 * }
 * ```
 */
export class ResponseError extends Error {
  override readonly name = 'ResponseError';

  constructor(
    readonly code: ResponseErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Why a {@link ClientUsageError} was thrown: `no_pending_authorization` means no `state` was sent to check the
 * callback against (RFC 6749 §10.12); `device_grant_unsupported` means the server's metadata names no device
 * authorization endpoint (RFC 8628 §4, RFC 8414 §2); `redirect_uri_required` is RFC 6749 §3.1.2's `redirect_uri`.
 *
 * @example
 * ```ts
 * if (err instanceof ClientUsageError && err.code === ('not_signed_in' satisfies UsageErrorCode)) showSignIn();
 * ```
 */
export type UsageErrorCode =
  | 'base_url_required'
  | 'base_url_invalid'
  | 'client_id_required'
  | 'user_agent_required'
  | 'redirect_uri_required'
  | 'no_pending_authorization'
  | 'not_signed_in'
  | 'fetch_unavailable'
  | 'crypto_unavailable'
  | 'storage_unavailable'
  | 'device_grant_unsupported'
  | 'invalid_argument';

/**
 * A mistake of the calling code, not of the server: a missing option, a callback handled before any authorization
 * URL was made (RFC 6749 §4.1.2 needs the `state` sent), an API call before sign-in. It is a `TypeError` (as
 * `fetch` throws for misuse) with a `code`.
 *
 * @example
 * ```ts
 * try {
 *   createClient({ baseUrl: '', clientId: 'x', userAgent: 'My app' });
 * } catch (err) {
 *   if (err instanceof TypeError && 'code' in err) console.log(err.code); // 'base_url_required'
 * }
 * ```
 */
export class ClientUsageError extends TypeError {
  override readonly name = 'ClientUsageError';

  constructor(
    readonly code: UsageErrorCode,
    message: string,
  ) {
    super(message);
  }
}
