import type { AccessToken, AuthorizationCode, CodeChallenge, DeviceCode, PendingAuthorization } from '../model.js';

/**
 * Store ports, gathered by stores.ts. What waits to become a token: authorization codes, pending authorization
 * requests and device codes.
 */

export interface NewAuthorizationCode {
  codeHash: string;
  applicationId: number;
  userId: number;
  redirectUri: string;
  scopes: string[];
  expiresIn: number;
  /** The PKCE challenge the code is bound to (RFC 7636 §4.4); none when the request sent none. */
  codeChallenge?: CodeChallenge | null;
  at: number;
}

/** What AuthorizationCodeStore.exchange checks and creates. */
export interface CodeExchange {
  codeHash: string;
  applicationId: number;
  /** The version of the application the client was authenticated with (Application.version). */
  applicationVersion: number;
  redirectUri: string;
  /** BASE64URL(SHA256(code_verifier)) of a well-formed verifier (RFC 7636 §4.6), or null when none was sent. */
  codeChallenge: string | null;
  tokenHash: string;
  refreshTokenHash: string;
  expiresIn: number;
  at: number;
}

export interface AuthorizationCodeStore {
  create(code: NewAuthorizationCode): Promise<AuthorizationCode>;
  /**
   * Marks the unconsumed code with this hash, issued to this application, as consumed, and returns it. Of any number
   * of concurrent callers, in any number of processes, exactly one gets the code; the others get undefined. A code
   * whose application or user no longer exists is never consumed (see AccessTokenStore).
   */
  consume(codeHash: string, applicationId: number, at: number): Promise<AuthorizationCode | undefined>;
  findByHash(codeHash: string): Promise<AuthorizationCode | undefined>;
  /**
   * A code exchange that passes every check, at once (issue 16): consumes the code as `consume` does, but only when
   * it is unexpired at `at`, its redirect URI is `redirectUri` and its challenge fits `codeChallenge` (equal, method
   * S256; or, for null, the code has none), and creates from it the token with these hashes (its user, its scopes,
   * grantId the code's id). Undefined when any of it fails, or the application is no longer at `applicationVersion`
   * (changed or deleted since the client was authenticated, perhaps from a cache): then nothing is written, and the
   * caller's own checks decide (grants/authorization-code.ts). Of concurrent callers exactly one gets the token, as
   * with `consume`.
   */
  exchange(exchange: CodeExchange): Promise<AccessToken | undefined>;
  /** Revokes every unconsumed code of this user for this application, so none can be redeemed; returns how many. */
  revokeAllForUser(applicationId: number, userId: number, at: number): Promise<number>;
  /**
   * Revokes every unconsumed code of this user, for every application (a password change); returns the ids of the
   * applications that held one, each once.
   */
  revokeAllOfUser(userId: number, at: number): Promise<number[]>;
  /**
   * Deletes at most `limit` codes that expired before `before` and from which no token descends any more (a
   * consumed code detects its replay while its tokens exist, RFC 9700 §4.5); returns how many (core/cleanup.ts).
   */
  deleteExpired(before: number, limit: number): Promise<number>;
}

export interface NewPendingAuthorization {
  idHash: string;
  sessionHash: string;
  userId: number;
  applicationId: number;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  /** The request's PKCE challenge, bound to the code its approval issues; none when it sent none. */
  codeChallenge?: CodeChallenge | null;
  /** For a device's request (RFC 8628 §3.3): the device code its answer goes to. */
  deviceCodeId?: number;
  at: number;
  expiresAt: number;
}

export interface AuthorizationRequestStore {
  create(request: NewPendingAuthorization): Promise<void>;
  /** The undecided, unexpired request with this id, made in this session. */
  findOpen(idHash: string, sessionHash: string, now: number): Promise<PendingAuthorization | undefined>;
  /**
   * Marks the undecided, unexpired request with this id, made in this session, as decided, and returns it. Of any
   * number of concurrent callers, in any number of processes, exactly one gets it; the others get undefined.
   */
  decide(idHash: string, sessionHash: string, now: number): Promise<PendingAuthorization | undefined>;
  /** Deletes at most `limit` requests, decided or not, that expired before `before`; returns how many. */
  deleteExpired(before: number, limit: number): Promise<number>;
}

export interface NewDeviceCode {
  deviceCodeHash: string;
  userCodeHash: string;
  applicationId: number;
  scopes: string[];
  /** Seconds between polls (RFC 8628 §3.2). */
  interval: number;
  at: number;
  expiresAt: number;
}

/** What the user answered on the consent page for a device (RFC 8628 §3.3). */
export type DeviceDecision = { approved: true; userId: number; scopes: string[] } | { approved: false; userId: number };

/** Device codes (RFC 8628), looked up by their device code's hash or, while pending, by their user code's. */
export interface DeviceCodeStore {
  /**
   * Stores a new, pending device code. A user code names one device code at most: when another already has this
   * user code's hash, nothing is stored and the answer is undefined (the caller draws another user code).
   */
  create(code: NewDeviceCode): Promise<DeviceCode | undefined>;
  findByHash(deviceCodeHash: string): Promise<DeviceCode | undefined>;
  /** The pending, unexpired device code with this user code. */
  findPendingByUserCode(userCodeHash: string, now: number): Promise<DeviceCode | undefined>;
  /**
   * Records the user's answer on the pending, unexpired device code with this id; false when it is no longer
   * pending or has expired. Of any number of concurrent callers, in any number of processes, exactly one succeeds.
   */
  decide(id: number, decision: DeviceDecision, at: number): Promise<boolean>;
  /**
   * Records a poll at `at`, and the interval from then on, unless another poll was recorded since `lastPolledAt`
   * (the last poll the caller saw); false then, recording nothing.
   */
  recordPoll(id: number, lastPolledAt: number | null, interval: number, at: number): Promise<boolean>;
  /**
   * Marks the approved, unexpired, unredeemed device code with this hash, issued to this application, as redeemed,
   * and returns it. Of any number of concurrent callers, in any number of processes, exactly one gets it; the
   * others get undefined. A device code whose application or user no longer exists is never redeemed.
   */
  redeem(deviceCodeHash: string, applicationId: number, at: number): Promise<DeviceCode | undefined>;
  /**
   * Withdraws the user's approval of every approved, unredeemed device code (of one application, or of all): a
   * device that has not fetched its tokens yet gets `access_denied`. Returns the applications concerned, each once.
   */
  withdrawApprovals(userId: number, applicationId: number | undefined, at: number): Promise<number[]>;
  /**
   * Deletes at most `limit` device codes that expired before `before`, with the authorization requests that answer
   * them; returns how many device codes (core/cleanup.ts).
   */
  deleteExpired(before: number, limit: number): Promise<number>;
}
