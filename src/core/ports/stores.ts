import type {
  AccessToken,
  Application,
  ApplicationQuota,
  AuthorizationCode,
  CodeChallenge,
  DeviceCode,
  Locale,
  PendingAuthorization,
  User,
} from '../model.js';
import type { Status, TargetType, UserRate, UserRateValues } from '../user-rates/model.js';

/**
 * Narrow stores, one per concern. Logic lives above them; they persist, and each states the atomicity the protocol
 * relies on. Every backend runs one contract suite (the store contract, contract.ts among the tests).
 */

export interface NewUser {
  nickname: string;
  email: string | null;
  passwordHash: string;
  admin: boolean;
  locale: Locale;
  at: number;
}

export class NicknameTaken extends Error {
  override name = 'NicknameTaken';
}

export interface UserStore {
  /** Nicknames are unique by core/nickname-key.ts (case, width, look-alikes); a taken one throws NicknameTaken. */
  create(user: NewUser): Promise<User>;
  findById(id: number): Promise<User | undefined>;
  /** By the same key; a look-alike of a nickname finds its account. */
  findByNickname(nickname: string): Promise<{ user: User; passwordHash: string } | undefined>;
  /**
   * At most `limit` accounts with this email address, compared in lower case (SQL's lower(), ASCII on SQLite), by
   * id: a password reset asked for by email (accounts/password-resets.ts).
   */
  findByEmail(email: string, limit: number): Promise<User[]>;
  touchLastOnline(id: number, at: number): Promise<void>;
  updatePassword(id: number, passwordHash: string, at: number): Promise<void>;
  /**
   * Replaces the password hash only if it is still `expected` (an imported hash upgraded at sign-in must not
   * undo a password change made meanwhile); false when it was not.
   */
  replacePasswordHash(id: number, expected: string, passwordHash: string, at: number): Promise<boolean>;
}

/** Keys and settings the server keeps in its database, by name (server_keys, migration 005). */
export interface ServerKeyStore {
  find(name: string): Promise<string | undefined>;
}

export interface NewApplication {
  uid: string;
  secretHash: string;
  name: string;
  redirectUris: string[];
  scopes: string[];
  allowedScopes: string[];
  descriptionEn: string;
  descriptionRu: string;
  ownerId: number;
  /** True unless given: a public application has no secret (its secretHash matches none) and must use PKCE. */
  confidential?: boolean;
  at: number;
}

/** What an owner (or, for allowedScopes, an administrator) may change in an application. */
export interface ApplicationChanges {
  name: string;
  redirectUris: string[];
  scopes: string[];
  allowedScopes: string[];
  descriptionEn: string;
  descriptionRu: string;
  /** Only an administrator sets it (core/quota.ts); undefined leaves it as it is, null removes it. */
  quota?: ApplicationQuota | null;
  at: number;
}

export interface ApplicationStore {
  create(application: NewApplication): Promise<Application>;
  findByUid(uid: string): Promise<Application | undefined>;
  /**
   * findByUid from the database itself, on a store that answers from a cache (issue 16,
   * storage/cached-application-store.ts), which it then brings up to date; a store without a cache has none, its findByUid being as fresh. For a
   * client whose cached application was refused, or no longer matched its row (core/client-authentication.ts).
   */
  findByUidFresh?(uid: string): Promise<Application | undefined>;
  findById(id: number): Promise<Application | undefined>;
  /** Saves new settings; undefined when there is no such application. */
  update(id: number, changes: ApplicationChanges): Promise<Application | undefined>;
  /** Sets or (null) removes the request quota; undefined when there is no such application. */
  setQuota(id: number, quota: ApplicationQuota | null, at: number): Promise<Application | undefined>;
  /** Replaces the client secret's hash, so the old secret stops working at once; false when there is none. */
  replaceSecret(id: number, secretHash: string, at: number): Promise<boolean>;
  /** Deletes an application together with its codes and tokens; false when there was none. */
  delete(id: number): Promise<boolean>;
  /** The applications a user owns, by name. */
  listByOwner(ownerId: number): Promise<Application[]>;
  /** Every application, by name, at most `limit` of them (the administrators' list). */
  listAll(limit: number): Promise<Application[]>;
  /**
   * For each of these applications, how many distinct users hold a non-revoked token or code for it. Applications
   * without any are absent from the map.
   */
  countUsers(applicationIds: number[]): Promise<Map<number, number>>;
}

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

export interface NewAccessToken {
  tokenHash: string;
  refreshTokenHash: string | null;
  applicationId: number;
  userId: number | null;
  grantId: number | null;
  parentId: number | null;
  scopes: string[];
  expiresIn: number;
  previousRefreshTokenHash: string | null;
  at: number;
}

/** What AccessTokenStore.rotate checks and creates. */
export interface Rotation {
  /** The refresh token presented, whose token is rotated. */
  refreshTokenHash: string;
  applicationId: number;
  /** The version of the application the client was authenticated with (Application.version). */
  applicationVersion: number;
  /** The successor's hashes (core/refresh-successor.ts). */
  tokenHash: string;
  successorRefreshTokenHash: string;
  expiresIn: number;
  at: number;
}

/** A user's live token, as the list of applications with access to the account shows it. */
export interface LiveGrant {
  applicationId: number;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
}

/** A token read together with its user (none for a client_credentials token). */
export interface TokenWithUser {
  token: AccessToken;
  user: User | undefined;
  /** Its application's request quota, read in the same query; absent when the application has none. */
  quota?: ApplicationQuota;
}

/**
 * The lookups that authenticate a token (findByToken, findByTokenWithUser, findByRefreshToken, lockForRefresh) find
 * none whose application, or user when it has one, no longer exists: in the same statement, so that a row deleted
 * without its cascade (SQLite with foreign keys off, or a hand-made delete) never leaves a working token.
 */
export interface AccessTokenStore {
  create(token: NewAccessToken): Promise<AccessToken>;
  /**
   * Creates the token unless one already holds its token hash (or refresh token hash), and returns the stored one
   * either way; undefined only when that one's application or user is gone. Of any number of concurrent callers
   * with the same hashes, in any number of processes, exactly one inserts and every one gets that row: the
   * successor of a refresh token, derived from it (core/refresh-successor.ts), exists once.
   */
  createIfAbsent(token: NewAccessToken): Promise<AccessToken | undefined>;
  /**
   * create, in the same statement, only while the token's application is at `applicationVersion` (Application.version):
   * undefined, having written nothing, when it changed or went since the client was authenticated (perhaps from a
   * cache, storage/application-cache.ts), so that a grant never issues on a stale application (issue 16).
   */
  createIfCurrent(token: NewAccessToken, applicationVersion: number): Promise<AccessToken | undefined>;
  findByToken(tokenHash: string): Promise<AccessToken | undefined>;
  /** findByToken and the token's user in one query: a bearer-authenticated request's one read. */
  findByTokenWithUser(tokenHash: string): Promise<TokenWithUser | undefined>;
  findByRefreshToken(refreshTokenHash: string): Promise<AccessToken | undefined>;
  /**
   * Inside a transaction: locks the live (non-revoked) token with this refresh token until the transaction ends,
   * and returns it; undefined when there is none. A revocation or completeRotation of that token, in any process,
   * waits for the transaction, and one that committed first makes this return undefined: a refresh either
   * completes before the old token is revoked, or fails.
   */
  lockForRefresh(refreshTokenHash: string): Promise<AccessToken | undefined>;
  /**
   * A refresh that keeps the scope, at once (issue 16): the live token with this refresh token, issued to this
   * application while it is at `applicationVersion`, whose owners exist, locked as lockForRefresh locks it, and its
   * successor created from it (its user, grant and scopes; parentId its id; previousRefreshTokenHash this refresh
   * token's hash), unless a token already holds one of the new hashes. Undefined when nothing was created: the caller
   * then takes the transaction (lockForRefresh), which tells those cases apart. A revocation or completeRotation of
   * the old token, in any process, either waits for it or makes it create nothing; of concurrent callers at most one
   * creates the successor.
   */
  rotate(rotation: Rotation): Promise<AccessToken | undefined>;
  /** Revokes one token (its access and refresh token together); false if it was already revoked. */
  revoke(id: number, at: number): Promise<boolean>;
  /** Revokes every token descending from one authorization code; returns how many were still live. */
  revokeFamily(grantId: number, at: number): Promise<number>;
  /**
   * The family of a token without a grant id: revokes every token of its refresh chain (its ancestors by parentId,
   * and every descendant of them), including one a concurrent refresh adds while this waits for it, as revokeFamily
   * does; returns how many were still live.
   */
  revokeChain(tokenId: number, at: number): Promise<number>;
  /**
   * Doorkeeper's `revoke_previous_refresh_token!`: on a token's first use, revokes the token whose refresh token it
   * replaced and forgets the link, so the old refresh token stops working from then on (compatibility.md §4.4). The
   * revoked token's rotatedAt is set to `at`, which nothing else sets; a token revoked before keeps its state.
   */
  completeRotation(token: AccessToken, at: number): Promise<void>;
  /** The scope sets of this user's non-revoked tokens for this application, newest first (for skipping consent). */
  grantedScopes(applicationId: number, userId: number): Promise<string[][]>;
  /**
   * Records a use at `at` of each of these tokens, except those with one recorded less than `minIntervalMs`
   * earlier: conditional UPDATEs, so concurrent callers write each token at most once per interval. Returns how
   * many tokens it wrote.
   */
  touchLastUsed(ids: readonly number[], at: number, minIntervalMs: number): Promise<number>;
  /** Revokes every live token of this user for this application; returns how many were live. */
  revokeAllForUser(applicationId: number, userId: number, at: number): Promise<number>;
  /**
   * Revokes every live token of this user, for every application (a password change), including one a concurrent
   * refresh adds while this waits for it, as revokeFamily does; returns the ids of the applications that held one,
   * each once.
   */
  revokeAllOfUser(userId: number, at: number): Promise<number[]>;
  /** This user's non-revoked tokens, oldest first. */
  liveGrantsOfUser(userId: number): Promise<LiveGrant[]>;
  /**
   * Deletes at most `limit` tokens whose access token expired, or which were revoked, before `cutoff`, and whose
   * parent token no longer exists (parents go first); returns how many (core/cleanup.ts).
   */
  deleteRetired(cutoff: number, limit: number): Promise<number>;
}

export interface SessionStore {
  create(idHash: string, userId: number, at: number, expiresAt: number): Promise<void>;
  /** The signed-in user of an unexpired session. */
  findUser(idHash: string, now: number): Promise<User | undefined>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of this user except the one with `exceptIdHash`; returns how many ended. */
  deleteAllForUser(userId: number, exceptIdHash?: string): Promise<number>;
  /** Deletes at most `limit` sessions that expired before `before`; returns how many (core/cleanup.ts). */
  deleteExpired(before: number, limit: number): Promise<number>;
}

/** One security event of the audit log (src/audit/), as it is written. */
export interface NewAuditEvent {
  at: number;
  type: string;
  userId: number | null;
  applicationId: number | null;
  /** The client_id a client presented, when it names no application. */
  clientId: string | null;
  address: string | null;
  userAgent: string | null;
  /** Small, JSON-serializable, never a secret. */
  details: Record<string, unknown>;
}

/** An audit event as read back, with the user's nickname and the application's name and client_id when they exist. */
export interface AuditEvent extends NewAuditEvent {
  id: number;
  nickname: string | null;
  applicationName: string | null;
}

export interface AuditQuery {
  userId?: number;
  /** Events of this application, or (with clientId) naming this client_id: either matches. */
  applicationId?: number;
  clientId?: string;
  types?: readonly string[];
  /** Events at or after this time. */
  since?: number;
  limit: number;
}

/** The audit log's rows: appended in batches, read newest first, deleted by age. */
export interface AuditStore {
  /** Writes these events, in one statement per few hundred. */
  append(events: readonly NewAuditEvent[]): Promise<void>;
  /** The events matching every given filter, newest first (by time, then by id). */
  list(query: AuditQuery): Promise<AuditEvent[]>;
  /** How many events of each of these types this application has had since `since`; absent types had none. */
  countByType(applicationId: number, types: readonly string[], since: number): Promise<Map<string, number>>;
  /** Deletes at most `limit` of the oldest events older than `cutoff`; returns how many it deleted. */
  deleteOlderThan(cutoff: number, limit: number): Promise<number>;
}

export interface Stores {
  users: UserStore;
  applications: ApplicationStore;
  codes: AuthorizationCodeStore;
  tokens: AccessTokenStore;
  sessions: SessionStore;
  authorizationRequests: AuthorizationRequestStore;
  deviceCodes: DeviceCodeStore;
  leases: LeaseStore;
  secretReveals: SecretRevealStore;
  audit: AuditStore;
  serverKeys: ServerKeyStore;
  userRates: UserRateStore;
  applicationIcons: ApplicationIconStore;
  passwordResets: PasswordResetStore;
  /** Runs fn with stores bound to one transaction: all of its writes land, or none. */
  transaction<T>(fn: (stores: Stores) => Promise<T>): Promise<T>;
}

/** A password reset link's row (migration 016, accounts/password-resets.ts): its token is stored hashed. */
export interface NewPasswordReset {
  userId: number;
  tokenHash: string;
  at: number;
  expiresAt: number;
}

export interface PasswordResetStore {
  /**
   * Stores a new reset, and makes void (used as of `at`) every earlier unused reset of the same user, at once: the
   * newest link is the only one that works.
   */
  create(reset: NewPasswordReset): Promise<void>;
  /** The user of the unused reset with this hash that is unexpired at `now`; nothing is written. */
  findUsable(tokenHash: string, now: number): Promise<number | undefined>;
  /**
   * Marks the unused reset with this hash that is unexpired at `now` as used, and returns its user's id. Of any
   * number of concurrent callers, in any number of processes, exactly one gets it; the others get undefined.
   */
  consume(tokenHash: string, now: number): Promise<number | undefined>;
  /** Deletes at most `limit` resets that expired, or were used, before `before`; returns how many (core/cleanup.ts). */
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

/** An application's uploaded icon (migration 013, accounts/application-icons.ts). */
export interface ApplicationIcon {
  /** Found from the bytes: image/png, image/jpeg, image/gif or image/webp. */
  contentType: string;
  bytes: Uint8Array;
  /** A digest of the bytes: the application's iconVersion while this icon is its icon. */
  version: string;
  updatedAt: number;
}

export interface ApplicationIconStore {
  /**
   * Sets or replaces the application's icon, with its iconVersion and updatedAt, at once (in one transaction);
   * false when there is no such application.
   */
  put(applicationId: number, icon: Omit<ApplicationIcon, 'updatedAt'>, at: number): Promise<boolean>;
  /** Removes the icon (iconVersion goes with it, updatedAt becomes `at`); false when there was none. */
  remove(applicationId: number, at: number): Promise<boolean>;
  find(applicationId: number): Promise<ApplicationIcon | undefined>;
}

/** A new client secret kept, sealed, for the one page view that shows it (post/redirect/get, migration 011). */
export interface NewSecretReveal {
  idHash: string;
  sessionHash: string;
  applicationId: number;
  kind: 'created' | 'regenerated';
  /** Encrypted by the caller; null for a public application, which has no secret. */
  sealedSecret: string | null;
  at: number;
  expiresAt: number;
}

export interface SecretReveal {
  applicationId: number;
  kind: 'created' | 'regenerated';
  sealedSecret: string | null;
}

export interface SecretRevealStore {
  /** Stores a reveal, and deletes the expired ones of every session. */
  create(reveal: NewSecretReveal): Promise<void>;
  /**
   * Deletes the unexpired reveal with this id, made in this session, and returns it. Of any number of concurrent
   * callers, in any number of processes, exactly one gets it: a secret is shown once.
   */
  take(idHash: string, sessionHash: string, now: number): Promise<SecretReveal | undefined>;
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

/**
 * Named leases, so that one process at a time runs a job on a shared database (the cleanup, ops/cleanup.ts). A
 * lease lasts until `until`, after which anyone may take it: a process that died holding one blocks no one for long.
 */
export interface LeaseStore {
  /**
   * Takes the lease unless another holder's lasts past `now`; true when this holder has it until `until`. Of any
   * number of concurrent callers, in any number of processes, at most one gets a free lease.
   */
  acquire(name: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up, if this holder still has it. */
  release(name: string, holder: string): Promise<void>;
}

/** A new anime or manga list entry (core/user-rates/), with the application whose token made it. */
export interface NewUserRate extends UserRateValues {
  userId: number;
  targetId: number;
  targetType: TargetType;
  applicationId: number;
  at: number;
}

/** The index's filters, all of them ANDed; `limit` and `offset` page the list. */
export interface UserRateFilter {
  userId?: number;
  targetId?: number;
  targetType?: TargetType;
  statuses?: readonly Status[];
  limit?: number;
  offset?: number;
}

/**
 * Users' anime and manga lists (docs/user-rates.md). A user has at most one entry per target (user, target type,
 * target id): the database holds that, whatever number of processes write. An entry goes with its user.
 */
export interface UserRateStore {
  /**
   * Inserts the entry unless the user already has one for this target; then nothing is written and the answer is
   * undefined. Of any number of concurrent callers for one target, in any number of processes, exactly one inserts.
   */
  insert(rate: NewUserRate): Promise<UserRate | undefined>;
  findById(id: number): Promise<UserRate | undefined>;
  /**
   * Inside a transaction: locks the entry until the transaction ends, and returns it; undefined when there is none.
   * A lock or write of the same entry, in any process, waits for the transaction.
   */
  lockById(id: number): Promise<UserRate | undefined>;
  /** lockById, by the entry's target. */
  lockByTarget(userId: number, targetType: TargetType, targetId: number): Promise<UserRate | undefined>;
  /** The entries matching every given filter, by id. */
  list(filter: UserRateFilter): Promise<UserRate[]>;
  /** Saves new values, the application that made them, and updated_at; undefined when there is no such entry. */
  update(id: number, values: UserRateValues, applicationId: number, at: number): Promise<UserRate | undefined>;
  /** Deletes the entry; false when there was none. */
  delete(id: number): Promise<boolean>;
}
