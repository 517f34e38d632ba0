import type { Application } from '../core/model.js';
import { redirectUriProblem } from '../core/redirect-uri.js';
import { DEFAULT_SCOPES, isSubset, parseScope } from '../core/scopes.js';
import { randomSecret, secretHash } from '../core/secrets.js';
import type { Stores } from '../core/ports/stores.js';

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
  /**
   * False for a public application (a mobile or single-page app, which cannot keep a secret): it gets no secret and
   * must use PKCE (core/pkce.ts). Default true, as every application on Shikimori.
   */
  confidential?: boolean;
}

/**
 * Something wrong with one field of an application, for the form to show next to that field. `message` is the
 * English sentence (the CLI prints it); pages translate by `code`. Redirect URI messages are Doorkeeper's (compatibility.md §3).
 */
export type ApplicationProblem =
  | { field: 'name'; code: 'name_length'; message: string }
  | { field: 'redirect_uri'; code: 'redirect_uri_blank'; message: string }
  | { field: 'redirect_uri'; code: 'redirect_uri_invalid'; uri: string; detail: string; message: string }
  | { field: 'description_en' | 'description_ru'; code: 'description_length'; message: string }
  | { field: 'quota'; code: 'quota_invalid'; message: string };

export type ApplicationField = ApplicationProblem['field'];

export class ApplicationError extends Error {
  constructor(
    readonly field: ApplicationField | 'scopes' | 'owner',
    message: string,
    readonly problems: ApplicationProblem[] = [],
  ) {
    super(message);
    this.name = 'ApplicationError';
  }
}

/**
 * A registered application with its secret, which exists in clear only in this value: it is shown once. A public
 * application has none.
 */
export interface RegisteredApplication {
  application: Application;
  clientSecret: string | undefined;
}

/** What a public application stores for its secret: no secret hashes to it (core/secrets.ts secretMatches). */
const NO_SECRET_HASH = '';

export const NAME_MAX = 255;
/** Shikimori's limit on each description (compatibility.md §3). */
export const DESCRIPTION_MAX = 16384;
const URI_MAX = 2048;

/**
 * Doorkeeper's redirect URI rules (core/redirect-uri.ts), and what RFC 9700 §2.1 and §4.1.3 add: a registered URI
 * is one exact URI, so no wildcard host, and carries no user name or password.
 */
export function redirectUriProblems(uris: readonly string[]): ApplicationProblem[] {
  if (uris.length === 0) {
    return [{ field: 'redirect_uri', code: 'redirect_uri_blank', message: "Redirect URI can't be blank." }];
  }
  const problems: ApplicationProblem[] = [];
  for (const uri of uris) {
    let detail = uri.length > URI_MAX ? 'must be a valid URI.' : redirectUriProblem(uri);
    if (detail === null && /^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
      const url = new URL(uri);
      if (url.hostname.includes('*')) detail = 'must be a valid URI.';
      else if (url.username !== '' || url.password !== '') detail = 'must not contain a user name or password.';
    }
    if (detail !== null) {
      problems.push({
        field: 'redirect_uri',
        code: 'redirect_uri_invalid',
        uri,
        detail,
        message: `Redirect URI ${uri} ${detail}`,
      });
    }
  }
  return problems;
}

export function checkRedirectUris(uris: string[]): void {
  const [first] = redirectUriProblems(uris);
  if (first) throw new ApplicationError('redirect_uri', first.message, [first]);
}

/** The fields every application has, checked all at once so that the form can show every problem. */
export interface ApplicationDetails {
  name: string;
  redirectUris: string[];
  descriptionEn: string;
  descriptionRu: string;
}

export function applicationProblems(details: ApplicationDetails): ApplicationProblem[] {
  const problems: ApplicationProblem[] = [];
  const name = details.name.trim();
  if (name === '' || name.length > NAME_MAX) {
    problems.push({ field: 'name', code: 'name_length', message: `Name must be 1 to ${NAME_MAX} characters long.` });
  }
  problems.push(...redirectUriProblems(details.redirectUris));
  for (const [field, text] of [
    ['description_en', details.descriptionEn],
    ['description_ru', details.descriptionRu],
  ] as const) {
    if (text.length > DESCRIPTION_MAX) {
      const message = `Description must be at most ${DESCRIPTION_MAX} characters long.`;
      problems.push({ field, code: 'description_length', message });
    }
  }
  return problems;
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
  const problems = applicationProblems({
    name,
    redirectUris: registration.redirectUris,
    descriptionEn: registration.descriptionEn ?? '',
    descriptionRu: registration.descriptionRu ?? '',
  });
  const [first] = problems;
  if (first) throw new ApplicationError(first.field, first.message, problems);
  const scopes = registration.scopes ?? [...DEFAULT_SCOPES];
  const allowedScopes = registration.allowedScopes ?? [...new Set([...DEFAULT_SCOPES, ...scopes])];
  // Shikimori's restrict_scopes: an application's scopes stay within what an administrator allowed.
  if (!isSubset(scopes, allowedScopes)) {
    throw new ApplicationError('scopes', `Scopes must be among the allowed ones: ${allowedScopes.join(' ')}.`);
  }
  const confidential = registration.confidential ?? true;
  const clientSecret = confidential ? randomSecret() : undefined;
  const application = await stores.applications.create({
    uid: randomSecret(),
    secretHash: clientSecret === undefined ? NO_SECRET_HASH : secretHash(clientSecret),
    name,
    redirectUris: registration.redirectUris,
    scopes,
    allowedScopes,
    descriptionEn: registration.descriptionEn ?? '',
    descriptionRu: registration.descriptionRu ?? '',
    ownerId: registration.ownerId,
    confidential,
    at: now,
  });
  return { application, clientSecret };
}
