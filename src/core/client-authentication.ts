import type { Application } from './model.js';
import type { Stores } from '../storage/stores.js';
import { InvalidClient, InvalidRequest } from './errors.js';
import type { Params } from './params.js';
import { secretMatches } from './secrets.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string | undefined;
  /** client_secret_basic (RFC 6749 §2.3.1 HTTP Basic) or client_secret_post (the request body). */
  method: 'basic' | 'body';
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
    method: 'basic',
  };
}

/**
 * The client's credentials from HTTP Basic, else from the body (Doorkeeper's `from_basic, from_params`). A client
 * using both must not send a second secret or another client_id in the body (RFC 6749 §2.3: one method only).
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
  return clientId === undefined ? undefined : { clientId, clientSecret, method: 'body' };
}

/**
 * Finds the client (in `stores`: the database, or the caller's transaction) and checks its secret, or throws
 * `invalid_client` (401).
 */
export async function authenticateClient(
  stores: Stores,
  credentials: ClientCredentials | undefined,
): Promise<Application> {
  const scheme = credentials?.method === 'basic' ? 'Basic' : 'Bearer';
  if (!credentials || credentials.clientSecret === undefined) throw new InvalidClient(undefined, scheme);
  const application = await stores.applications.findByUid(credentials.clientId);
  if (!application || !secretMatches(credentials.clientSecret, application.secretHash)) {
    throw new InvalidClient(undefined, scheme);
  }
  return application;
}
