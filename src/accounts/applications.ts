import type { Application } from '../core/model.js';
import { redirectUriProblem } from '../core/redirect-uri.js';
import { DEFAULT_SCOPES, isSubset, parseScope } from '../core/scopes.js';
import { randomSecret, secretHash } from '../core/secrets.js';
import type { Stores } from '../storage/stores.js';

export interface ApplicationRegistration {
  ownerId: number;
  name: string;
  redirectUris: string[];
  /** Scopes the application may request; default: the server's default scopes. */
  scopes?: string[];
  /** Scopes the owner may tick; default: the server's default scopes plus `scopes` (set by an administrator). */
  allowedScopes?: string[];
  descriptionEn?: string;
  descriptionRu?: string;
}

export class ApplicationError extends Error {
  constructor(
    readonly field: 'name' | 'redirect_uri' | 'scopes' | 'owner',
    message: string,
  ) {
    super(message);
    this.name = 'ApplicationError';
  }
}

/** A registered application with its secret, which exists in clear only in this value: it is shown once. */
export interface RegisteredApplication {
  application: Application;
  clientSecret: string;
}

export function checkRedirectUris(uris: string[]): void {
  if (uris.length === 0) throw new ApplicationError('redirect_uri', "Redirect URI can't be blank.");
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem !== null) throw new ApplicationError('redirect_uri', `Redirect URI ${uri} ${problem}`);
  }
}

export function parseScopeList(text: string): string[] {
  const scopes = parseScope(text);
  if (scopes === null) throw new ApplicationError('scopes', `Scopes "${text}" are malformed.`);
  return scopes;
}

export async function registerApplication(
  stores: Stores,
  registration: ApplicationRegistration,
  now: number,
): Promise<RegisteredApplication> {
  const name = registration.name.trim();
  if (name === '' || name.length > 255) throw new ApplicationError('name', 'Name must be 1 to 255 characters long.');
  checkRedirectUris(registration.redirectUris);
  const scopes = registration.scopes ?? [...DEFAULT_SCOPES];
  const allowedScopes = registration.allowedScopes ?? [...new Set([...DEFAULT_SCOPES, ...scopes])];
  // Shikimori's restrict_scopes: an application's scopes stay within what an administrator allowed.
  if (!isSubset(scopes, allowedScopes)) {
    throw new ApplicationError('scopes', `Scopes must be among the allowed ones: ${allowedScopes.join(' ')}.`);
  }
  const clientSecret = randomSecret();
  const application = await stores.applications.create({
    uid: randomSecret(),
    secretHash: secretHash(clientSecret),
    name,
    redirectUris: registration.redirectUris,
    scopes,
    allowedScopes,
    descriptionEn: registration.descriptionEn ?? '',
    descriptionRu: registration.descriptionRu ?? '',
    ownerId: registration.ownerId,
    at: now,
  });
  return { application, clientSecret };
}
