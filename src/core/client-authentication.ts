import type { Events } from './events.js';
import { InvalidClient, InvalidRequest } from './errors.js';
import type { Application } from './model.js';
import type { Params } from './params.js';
import type { Stores } from './ports/stores.js';
import { secretMatches } from './secrets.js';

/** The application with this client_id; from the database itself when `fresh` (ApplicationStore.findByUidFresh). */
function lookUp(stores: Stores, clientId: string, fresh: boolean): Promise<Application | undefined> {
  const applications = stores.applications;
  if (fresh && applications.findByUidFresh) return applications.findByUidFresh(clientId);
  return applications.findByUid(clientId);
}

/** How a client proves who it is (RFC 8414's names for RFC 6749 §2.3.1's methods, and `none` for public clients). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** What a client sent to authenticate: a client_id, and a secret unless it is a public client's `none`. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string | undefined;
  method: ClientAuthMethod;
}

const SECRET_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post'];
const PUBLIC_METHODS: readonly ClientAuthMethod[] = ['none'];
/** Every method some application may use, as the metadata advertises them (RFC 8414 §2). */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [...SECRET_METHODS, ...PUBLIC_METHODS];

/**
 * The policy: which methods an application may authenticate with. A confidential application (the default, and
 * every application on Shikimori) proves itself with its secret, by Basic or in the body; a public one has no secret
 * and names itself by client_id alone (RFC 6749 §2.1). A method outside the application's set is `invalid_client`.
 */
export function acceptedMethods(application: Application): readonly ClientAuthMethod[] {
  return application.confidential ? SECRET_METHODS : PUBLIC_METHODS;
}

/** RFC 6749 App. B: Basic credentials are form-urlencoded before base64, so `%2D` is `-` and `+` is a space. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new InvalidClient(undefined, 'Basic');
  }
}

function fromBasic(authorization: string): ClientCredentials | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=_-]*)\s*$/i.exec(authorization);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClient(undefined, 'Basic');
  return {
    clientId: formDecode(decoded.slice(0, colon)),
    clientSecret: formDecode(decoded.slice(colon + 1)),
    method: 'client_secret_basic',
  };
}

/**
 * The client's credentials from HTTP Basic, else from the body (Doorkeeper's `from_basic, from_params`); never from
 * the query string, which the endpoints do not read. A client using Basic must not send a second secret or another
 * client_id in the body (RFC 6749 §2.3: one method only).
 */
export function readClientCredentials(
  authorization: string | undefined,
  params: Params,
): ClientCredentials | undefined {
  const clientId = params.get('client_id');
  const clientSecret = params.get('client_secret');
  const basic = authorization ? fromBasic(authorization) : undefined;
  if (basic) {
    if (clientSecret !== undefined) {
      throw new InvalidRequest('Client credentials were given in both the Authorization header and the body.');
    }
    if (clientId !== undefined && clientId !== basic.clientId) {
      throw new InvalidRequest('The client_id in the body does not match the Authorization header.');
    }
    return basic;
  }
  if (clientId === undefined) return undefined;
  return { clientId, clientSecret, method: clientSecret === undefined ? 'none' : 'client_secret_post' };
}

/**
 * One request's client authentication, used by every endpoint that authenticates clients (token, revocation,
 * introspection): what the client presented, read once, and the one check against the application's policy.
 */
export class ClientAuthentication {
  private constructor(
    /** What the client sent; undefined when it sent no client_id at all. */
    readonly presented: ClientCredentials | undefined,
    private readonly events: Events,
  ) {}

  /** Reads the credentials of a request; two methods at once are `invalid_request`. */
  static read(authorization: string | undefined, params: Params, events: Events): ClientAuthentication {
    return new ClientAuthentication(readClientCredentials(authorization, params), events);
  }

  /** Whether the client sent a secret (Doorkeeper treats a client_id alone as no credentials on refresh). */
  get presentsSecret(): boolean {
    return this.presented !== undefined && this.presented.method !== 'none';
  }

  /**
   * The application, when the presented credentials authenticate it under its policy, else `invalid_client` (401,
   * with a Basic challenge to a client that tried Basic: RFC 6749 §5.2). Looked up in `stores`: the database, the
   * process's cache of applications, or the caller's transaction. A cached application is never the reason for a
   * refusal: one that does not prove the credentials (a secret regenerated in another process a moment ago, whose
   * news has not arrived yet: issue 16) is read again from the database before refusing. `fresh`: read the database
   * at once, the cache having been found stale (a grant's statement wrote nothing: sql/grant-statements.ts), or for
   * an endpoint whose writes are not conditioned on the application being current (revocation, introspection, the
   * device flow), so that an old secret is refused there at once too.
   */
  async authenticate(stores: Stores, options: { fresh?: boolean } = {}): Promise<Application> {
    const presented = this.presented;
    const scheme = presented?.method === 'client_secret_basic' ? 'Basic' : 'Bearer';
    const fresh = options.fresh === true;
    let application = presented && (await lookUp(stores, presented.clientId, fresh));
    // A client_id the cache lacks was read from the database already (a lookup that finds none keeps nothing).
    if (presented && application && !fresh && stores.applications.findByUidFresh !== undefined) {
      if (!this.proves(presented, application)) application = await lookUp(stores, presented.clientId, true);
    }
    if (!presented || !application || !this.proves(presented, application)) {
      this.events.emit({
        type: 'client.authentication_failed',
        clientId: presented?.clientId ?? null,
        method: presented?.method ?? 'none',
      });
      throw new InvalidClient(undefined, scheme);
    }
    return application;
  }

  /**
   * The application the presented credentials authenticate, when `authenticate` would certainly accept it (the same
   * policy), else undefined; with no side effect (no event, nothing thrown), and from the cache when `stores` has one:
   * for a path that then writes only while that application is current (core/grants/refresh-at-once.ts).
   */
  async identify(stores: Stores): Promise<Application | undefined> {
    const presented = this.presented;
    if (presented === undefined) return undefined;
    const application = await stores.applications.findByUid(presented.clientId);
    return application !== undefined && this.proves(presented, application) ? application : undefined;
  }

  private proves(presented: ClientCredentials, application: Application): boolean {
    if (!acceptedMethods(application).includes(presented.method)) return false;
    if (presented.method === 'none') return true;
    return presented.clientSecret !== undefined && secretMatches(presented.clientSecret, application.secretHash);
  }
}
