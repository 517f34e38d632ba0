import type { UserStore, SessionStore, PasswordResetStore } from './accounts.js';
import type { ApplicationStore, ApplicationIconStore, SecretRevealStore } from './applications.js';
import type { AuditStore } from './audit.js';
import type { AuthorizationCodeStore, AuthorizationRequestStore, DeviceCodeStore } from './codes.js';
import type { ServerKeyStore, LeaseStore } from './operations.js';
import type { AccessTokenStore } from './tokens.js';
import type { UserRateStore } from './user-rates.js';

/**
 * Narrow stores, one per concern. Logic lives above them; they persist, and each states the atomicity the protocol
 * relies on. Every backend runs one contract suite (the store contract, contract.ts among the tests).
 */
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

export * from './accounts.js';
export * from './applications.js';
export * from './audit.js';
export * from './codes.js';
export * from './operations.js';
export * from './tokens.js';
export * from './user-rates.js';
