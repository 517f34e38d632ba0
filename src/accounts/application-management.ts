import type { Application, ApplicationQuota, User } from '../core/model.js';
import { parseQuota, QuotaSyntaxError } from '../core/quota.js';
import { splitRedirectUris } from '../core/redirect-uri.js';
import { DEFAULT_SCOPES, KNOWN_SCOPES, parseScope } from '../core/scopes.js';
import { randomSecret, secretHash } from '../core/secrets.js';
import type { Stores } from '../core/ports/stores.js';
import {
  applicationProblems,
  registerApplication,
  type ApplicationProblem,
  type RegisteredApplication,
} from './applications.js';

/**
 * What the application pages do (compatibility.md §3), for the routes to call: they never reach the stores themselves.
 * Only the owner or an administrator changes an application; only an administrator changes its allowed scopes.
 */

/** The application form as posted: redirect URIs one per line, scopes as ticked. */
export interface ApplicationSettings {
  name: string;
  redirectUri: string;
  descriptionEn: string;
  descriptionRu: string;
  scopes: string[];
  /** Honoured only when an administrator saves the form. */
  allowedScopes?: string[] | undefined;
  /** Chosen when the application is created, and kept after that (default true); see registerApplication. */
  confidential?: boolean | undefined;
  /** The request quota as written (core/quota.ts; '' for none); honoured only when an administrator saves. */
  quota?: string | undefined;
}

export type Saved<T> = { ok: true; value: T } | { ok: false; problems: ApplicationProblem[] };

export function mayManage(user: User, application: Application): boolean {
  return user.admin || application.ownerId === user.id;
}

/** Scope tokens as RFC 6749 §3.3 spells them, each once; anything else is dropped. */
function scopeTokens(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((v) => parseScope(v) ?? []))];
}

/** Shikimori's `restrict_scopes`: an application's scopes are always within its allowed scopes (compatibility.md §3). */
export function restrictScopes(scopes: readonly string[], allowedScopes: readonly string[]): string[] {
  return scopeTokens(scopes).filter((s) => allowedScopes.includes(s));
}

/** Known scopes first, in Shikimori's order, then any others an administrator added. */
export function orderScopes(scopes: Iterable<string>): string[] {
  const set = new Set(scopes);
  return [...KNOWN_SCOPES.filter((s) => set.has(s)), ...[...set].filter((s) => !KNOWN_SCOPES.includes(s)).sort()];
}

function allowedScopesFor(actor: User, settings: ApplicationSettings, current: readonly string[]): string[] {
  if (!actor.admin || settings.allowedScopes === undefined) return [...current];
  return orderScopes(scopeTokens(settings.allowedScopes));
}

/** The quota an administrator wrote; undefined when the form had none for this actor (nothing to change). */
function quotaFor(actor: User, settings: ApplicationSettings): ApplicationQuota | null | 'invalid' | undefined {
  if (!actor.admin || settings.quota === undefined) return undefined;
  try {
    return parseQuota(settings.quota);
  } catch (err) {
    if (err instanceof QuotaSyntaxError) return 'invalid';
    throw err;
  }
}

export async function createApplication(
  stores: Stores,
  owner: User,
  settings: ApplicationSettings,
  now: number,
): Promise<Saved<RegisteredApplication>> {
  const redirectUris = [...new Set(splitRedirectUris(settings.redirectUri))];
  const problems = applicationProblems({ ...settings, redirectUris });
  if (problems.length > 0) return { ok: false, problems };
  // New applications may tick only the server's scopes; an administrator may allow more (compatibility.md §3).
  const allowedScopes = allowedScopesFor(owner, settings, DEFAULT_SCOPES);
  const registered = await registerApplication(
    stores,
    {
      ownerId: owner.id,
      name: settings.name,
      redirectUris,
      scopes: orderScopes(restrictScopes(settings.scopes, allowedScopes)),
      allowedScopes,
      descriptionEn: settings.descriptionEn,
      descriptionRu: settings.descriptionRu,
      confidential: settings.confidential ?? true,
    },
    now,
  );
  return { ok: true, value: registered };
}

export async function updateApplication(
  stores: Stores,
  actor: User,
  application: Application,
  settings: ApplicationSettings,
  now: number,
): Promise<Saved<Application>> {
  const redirectUris = [...new Set(splitRedirectUris(settings.redirectUri))];
  const problems = applicationProblems({ ...settings, redirectUris });
  if (problems.length > 0) return { ok: false, problems };
  const allowedScopes = allowedScopesFor(actor, settings, application.allowedScopes);
  const quota = quotaFor(actor, settings);
  if (quota === 'invalid') {
    return { ok: false, problems: [{ field: 'quota', code: 'quota_invalid', message: 'Quota is invalid.' }] };
  }
  const updated = await stores.applications.update(application.id, {
    ...(quota === undefined ? {} : { quota }),
    name: settings.name.trim(),
    redirectUris,
    scopes: orderScopes(restrictScopes(settings.scopes, allowedScopes)),
    allowedScopes,
    descriptionEn: settings.descriptionEn,
    descriptionRu: settings.descriptionRu,
    at: now,
  });
  if (!updated) throw new Error(`application ${application.id} vanished while being updated`);
  return { ok: true, value: updated };
}

/**
 * A new client secret; the old one stops working at once. Only its hash is kept: the caller shows it once. A public
 * application has no secret to regenerate: the caller must not ask.
 */
export async function regenerateSecret(stores: Stores, application: Application, now: number): Promise<string> {
  if (!application.confidential) throw new Error(`application ${application.id} is public: it has no secret`);
  const clientSecret = randomSecret();
  await stores.applications.replaceSecret(application.id, secretHash(clientSecret), now);
  return clientSecret;
}

/** Deletes the application; its codes and tokens go with it. */
export async function deleteApplication(stores: Stores, application: Application): Promise<void> {
  await stores.applications.delete(application.id);
}

export interface ApplicationListing {
  application: Application;
  /** Distinct users holding a live token or code. */
  usersCount: number;
}

async function withUserCounts(stores: Stores, applications: Application[]): Promise<ApplicationListing[]> {
  const counts = await stores.applications.countUsers(applications.map((a) => a.id));
  return applications.map((application) => ({ application, usersCount: counts.get(application.id) ?? 0 }));
}

export async function listOwned(stores: Stores, ownerId: number): Promise<ApplicationListing[]> {
  return withUserCounts(stores, await stores.applications.listByOwner(ownerId));
}

/** How many applications the administrators' list shows. */
export const ADMIN_LIST_LIMIT = 500;

/** Every application, the most used first, as Shikimori orders its list (users, then name). */
export async function listAll(stores: Stores): Promise<ApplicationListing[]> {
  const listed = await withUserCounts(stores, await stores.applications.listAll(ADMIN_LIST_LIMIT));
  return listed.sort((a, b) => b.usersCount - a.usersCount);
}

/** What one application may do on a user's behalf: the scopes of their live tokens, and when it last used one. */
export interface Access {
  scopes: string[];
  lastUsedAt: number | null;
}

export interface AuthorizedApplication extends Access {
  application: Application;
}

/** The user's live tokens, grouped by application. */
async function accessByApplication(stores: Stores, userId: number): Promise<Map<number, Access>> {
  const byApplication = new Map<number, Access>();
  for (const grant of await stores.tokens.liveGrantsOfUser(userId)) {
    const access = byApplication.get(grant.applicationId) ?? { scopes: [], lastUsedAt: null };
    access.scopes = orderScopes([...access.scopes, ...grant.scopes]);
    if (grant.lastUsedAt !== null) access.lastUsedAt = Math.max(access.lastUsedAt ?? 0, grant.lastUsedAt);
    byApplication.set(grant.applicationId, access);
  }
  return byApplication;
}

/** The applications holding a live token of this user, by name, each with its scopes and last use. */
export async function listAuthorizedFor(stores: Stores, userId: number): Promise<AuthorizedApplication[]> {
  const listed: AuthorizedApplication[] = [];
  for (const [id, access] of await accessByApplication(stores, userId)) {
    const application = await stores.applications.findById(id);
    if (application) listed.push({ application, ...access });
  }
  return listed.sort(
    (a, b) => a.application.name.localeCompare(b.application.name) || a.application.id - b.application.id,
  );
}

export interface ApplicationOverview {
  application: Application;
  owner: User | undefined;
  usersCount: number;
  /** The viewer's own grant to this application, if they made one. */
  access: Access | undefined;
}

export async function applicationOverview(
  stores: Stores,
  application: Application,
  viewer: User,
): Promise<ApplicationOverview> {
  const [owner, counts, access] = await Promise.all([
    stores.users.findById(application.ownerId),
    stores.applications.countUsers([application.id]),
    accessByApplication(stores, viewer.id),
  ]);
  return { application, owner, usersCount: counts.get(application.id) ?? 0, access: access.get(application.id) };
}

/**
 * "Revoke access" (compatibility.md §3, ASVS 10.7.3): every token and every unconsumed code of this user for this application,
 * in one transaction, so the application keeps nothing it could use or redeem.
 */
export async function revokeAccess(
  stores: Stores,
  userId: number,
  applicationId: number,
  now: number,
): Promise<{ tokens: number; codes: number }> {
  return stores.transaction(async (tx) => ({
    tokens: await tx.tokens.revokeAllForUser(applicationId, userId, now),
    codes:
      (await tx.codes.revokeAllForUser(applicationId, userId, now)) +
      (await tx.deviceCodes.withdrawApprovals(userId, applicationId, now)).length,
  }));
}
