import type { Application, ApplicationQuota } from '../model.js';

/**
 * Store ports, gathered by stores.ts. Applications (OAuth clients), their uploaded icons, and new secrets kept
 * for the one view that shows them.
 */

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
