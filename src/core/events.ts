/**
 * What the protocol did, told to whoever listens (metrics, logs, later an audit log): one closed set of typed
 * events, one emitter. The core emits; it never knows who listens. Ids are Monban's row ids; `clientId` is the
 * public client_id as the client sent it (which may name no application). No event carries a secret.
 */

export type GrantType =
  | 'authorization_code'
  | 'refresh_token'
  | 'client_credentials'
  | 'urn:ietf:params:oauth:grant-type:device_code';

export type MonbanEvent =
  /** The user approved an authorization request, or had approved the same scopes before (`prior`). */
  | { type: 'authorization.granted'; applicationId: number; userId: number; scopes: string[]; prior: boolean }
  /** The user denied an authorization request. */
  | { type: 'authorization.denied'; applicationId: number; userId: number }
  /** An authorization code was exchanged for tokens. */
  | { type: 'code.redeemed'; applicationId: number; userId: number; grantId: number }
  /** A code already used was presented again; every token issued from it was revoked (RFC 9700 §4.5). */
  | { type: 'code.replayed'; applicationId: number; userId: number; grantId: number; tokensRevoked: number }
  /** The token endpoint issued an access token. */
  | { type: 'token.issued'; grantType: GrantType; applicationId: number; userId: number | null; tokenId: number }
  /** A refresh token was exchanged for a new pair (also told as token.issued). */
  | { type: 'token.refreshed'; applicationId: number; userId: number | null; previousTokenId: number; tokenId: number }
  /** A refresh was refused: an unknown, revoked or rotated-out refresh token, or another client's. */
  | { type: 'refresh.refused'; applicationId: number | null; reason: 'unknown_token' | 'wrong_client' | 'invalid_scope' }
  /**
   * A rotated-out refresh token came back after its grace period, or after its successor was itself refreshed
   * (RFC 9700 §4.14.2): the token family was revoked, `tokensRevoked` of it still live. `grantId` is null for a
   * family with no authorization code, revoked along its refresh chain.
   */
  | {
      type: 'refresh.replayed';
      applicationId: number;
      userId: number | null;
      grantId: number | null;
      tokensRevoked: number;
    }
  /** A token was revoked by its client (RFC 7009) or by its user (the applications page). */
  | { type: 'token.revoked'; applicationId: number; userId: number | null; by: 'client' | 'user' }
  /**
   * The user took back an application's access ("Revoke access", compatibility.md §3): every token and code of theirs
   * for it, `tokensRevoked` of the tokens still live. Told even when none were, since the user meant it.
   */
  | { type: 'authorization.revoked'; applicationId: number; userId: number; tokensRevoked: number }
  /** A client presented credentials that do not authenticate it. */
  | {
      type: 'client.authentication_failed';
      clientId: string | null;
      method: 'client_secret_basic' | 'client_secret_post' | 'none';
    }
  /** A sign-in with the right password. */
  | { type: 'sign_in.succeeded'; userId: number }
  /** A sign-in with a wrong password or an unknown nickname (`throttled`: refused before any check). */
  | { type: 'sign_in.failed'; nickname: string; throttled: boolean; userId: number | null }
  /** An application was registered. */
  | { type: 'application.created'; applicationId: number; ownerId: number }
  /** An application's client secret was replaced; the old one stopped working. */
  | { type: 'application.secret_regenerated'; applicationId: number; byUserId: number }
  /**
   * An application changed a user's anime or manga list through the user_rates API (docs/user-rates.md): told only
   * when an entry was created, deleted, or its values actually changed; `applicationId` is the token's.
   */
  | {
      type: 'user_rate.changed';
      userId: number;
      applicationId: number;
      userRateId: number;
      action: 'created' | 'updated' | 'incremented' | 'destroyed';
    };

export type EventType = MonbanEvent['type'];
export type EventOf<T extends EventType> = Extract<MonbanEvent, { type: T }>;
/**
 * Where the request that caused an event came from, for the audit log: plain data the HTTP layer hands to the core
 * with the request's context (http/request-context.ts). Events emitted outside a request (the CLI) have none.
 */
export interface EventOrigin {
  /** The client address (MONBAN_TRUST_PROXY decides it). */
  address: string;
  userAgent: string | null;
}

export type Listener<T extends EventType> = (event: EventOf<T>, origin: EventOrigin | undefined) => void;
type AnyListener = (event: MonbanEvent, origin: EventOrigin | undefined) => void;

/**
 * A typed emitter. Listeners run synchronously, in the order they subscribed; one that throws is reported and does
 * not stop the others or the request. With nobody listening, emit is one Map lookup.
 */
export class Events {
  constructor(
    private readonly reportError: (err: unknown) => void = () => {},
    private readonly listeners = new Map<EventType, AnyListener[]>(),
    private readonly origin?: EventOrigin,
  ) {}

  /**
   * The same emitter, whose events are told with this origin: one per request that may emit (cheap: it shares the
   * listeners). Carried explicitly rather than through async context, which on Node 20 (async_hooks) costs every
   * request of the process (benchmarks.md, session 5).
   */
  withOrigin(origin: EventOrigin): Events {
    return new Events(this.reportError, this.listeners, origin);
  }

  on<T extends EventType>(type: T, listener: Listener<T>): () => void {
    const list = this.listeners.get(type) ?? [];
    const entry = listener as AnyListener;
    this.listeners.set(type, [...list, entry]);
    return () => {
      const now = this.listeners.get(type) ?? [];
      this.listeners.set(
        type,
        now.filter((l) => l !== entry),
      );
    };
  }

  emit(event: MonbanEvent): void {
    const list = this.listeners.get(event.type);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(event, this.origin);
      } catch (err) {
        this.reportError(err);
      }
    }
  }
}
