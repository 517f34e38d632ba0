/**
 * The closed set of OAuth 2.0 errors Monban answers with (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; RFC 7009 §2.2.1),
 * with Doorkeeper's descriptions, which Shikimori's clients see (config/locales/doorkeeper.en.yml).
 * Anything else thrown inside an endpoint becomes `server_error` in the one serializer (error-response.ts).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_redirect_uri'
  | 'invalid_token'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'server_error'
  | 'temporarily_unavailable';

export abstract class OAuthError extends Error {
  abstract readonly error: OAuthErrorCode;
  abstract readonly status: number;

  constructor(readonly description: string) {
    super(description);
    this.name = new.target.name;
  }
}

export const DESCRIPTIONS = {
  invalidRequest:
    'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalidRedirectUri: "The requested redirect uri is malformed or doesn't match client redirect URI.",
  unauthorizedClient: 'The client is not authorized to perform this request using this method.',
  accessDenied: 'The resource owner or authorization server denied the request.',
  invalidScope: 'The requested scope is invalid, unknown, or malformed.',
  unsupportedResponseType: 'The authorization server does not support this response type.',
  invalidClient:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalidGrant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupportedGrantType: 'The authorization grant type is not supported by the authorization server.',
  invalidToken: 'The access token is invalid',
  revokeUnauthorized: 'You are not authorized to revoke this token',
  requestNotAuthorized:
    'Request need to be authorized. Required parameter for authorizing request is missing or invalid.',
  serverError:
    'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
  temporarilyUnavailable:
    'The authorization server is temporarily unable to handle the request due to a temporary overloading or maintenance of the server.',
} as const;

export class InvalidRequest extends OAuthError {
  readonly error = 'invalid_request';
  readonly status = 400;
  static missing(param: string): InvalidRequest {
    return new InvalidRequest(`Missing required parameter: ${param}.`);
  }
  /**
   * RFC 6749 §3.1, §3.2: request parameters MUST NOT be included more than once. The name comes from the request,
   * so it is given only when it fits error_description's characters (§4.1.2.1, §5.2).
   */
  static duplicated(param: string): InvalidRequest {
    const printable = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(param);
    return new InvalidRequest(`Parameter included more than once${printable ? `: ${param}` : ''}.`);
  }
}

/**
 * A client that cannot be identified or authenticated. At the authorization endpoint it is shown to the user, never
 * sent to a redirect URI (core/authorization/request.ts decides what is redirected: RFC 6749 §4.1.2.1).
 */
export class InvalidClient extends OAuthError {
  readonly error = 'invalid_client';
  readonly status = 401;
  constructor(
    description: string = DESCRIPTIONS.invalidClient,
    /** The authentication scheme the client tried, for WWW-Authenticate (RFC 6749 §5.2). */
    readonly scheme: 'Basic' | 'Bearer' = 'Bearer',
  ) {
    super(description);
  }
}

export class InvalidRedirectUri extends OAuthError {
  readonly error = 'invalid_redirect_uri';
  readonly status = 400;
  constructor(description: string = DESCRIPTIONS.invalidRedirectUri) {
    super(description);
  }
}

export class InvalidGrant extends OAuthError {
  readonly error = 'invalid_grant';
  readonly status = 400;
  constructor(description: string = DESCRIPTIONS.invalidGrant) {
    super(description);
  }
}

export class UnauthorizedClient extends OAuthError {
  readonly error = 'unauthorized_client';
  constructor(
    description: string = DESCRIPTIONS.unauthorizedClient,
    readonly status: number = 400,
  ) {
    super(description);
  }
}

export class UnsupportedGrantType extends OAuthError {
  readonly error = 'unsupported_grant_type';
  readonly status = 400;
  constructor(description: string = DESCRIPTIONS.unsupportedGrantType) {
    super(description);
  }
}

export class InvalidScope extends OAuthError {
  readonly error = 'invalid_scope';
  readonly status = 400;
  constructor(description: string = DESCRIPTIONS.invalidScope) {
    super(description);
  }
}

export class AccessDenied extends OAuthError {
  readonly error = 'access_denied';
  readonly status = 400;
  constructor(description: string = DESCRIPTIONS.accessDenied) {
    super(description);
  }
}

export class UnsupportedResponseType extends OAuthError {
  readonly error = 'unsupported_response_type';
  readonly status = 400;
  constructor(description: string = DESCRIPTIONS.unsupportedResponseType) {
    super(description);
  }
}

/** RFC 6750 §3.1. Shikimori always says "The access token is invalid", even for expired tokens (compatibility.md §5). */
export class InvalidToken extends OAuthError {
  readonly error = 'invalid_token';
  readonly status = 401;
  constructor(description: string = DESCRIPTIONS.invalidToken) {
    super(description);
  }
}

export class ServerError extends OAuthError {
  readonly error = 'server_error';
  readonly status = 500;
  constructor(description: string = DESCRIPTIONS.serverError) {
    super(description);
  }
}

export class TemporarilyUnavailable extends OAuthError {
  readonly error = 'temporarily_unavailable';
  readonly status = 503;
  constructor(description: string = DESCRIPTIONS.temporarilyUnavailable) {
    super(description);
  }
}

/**
 * RFC 8628 §3.5: the polling answers of the device authorization grant, each a 400 token error. The descriptions
 * are the RFC's, within error_description's characters (no double quotes).
 */
export const DEVICE_DESCRIPTIONS = {
  authorizationPending:
    "The authorization request is still pending as the end user hasn't yet completed the user-interaction steps.",
  slowDown:
    'The authorization request is still pending and polling should continue, but the interval must be increased by 5 seconds for this and all subsequent requests.',
  expiredToken: 'The device_code has expired, and the device authorization session has concluded.',
} as const;

export class AuthorizationPending extends OAuthError {
  readonly error = 'authorization_pending';
  readonly status = 400;
  constructor(description: string = DEVICE_DESCRIPTIONS.authorizationPending) {
    super(description);
  }
}

export class SlowDown extends OAuthError {
  readonly error = 'slow_down';
  readonly status = 400;
  constructor(description: string = DEVICE_DESCRIPTIONS.slowDown) {
    super(description);
  }
}

export class ExpiredToken extends OAuthError {
  readonly error = 'expired_token';
  readonly status = 400;
  constructor(description: string = DEVICE_DESCRIPTIONS.expiredToken) {
    super(description);
  }
}
