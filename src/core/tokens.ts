import type { KeyObject } from 'node:crypto';
import type { AccessToken } from './model.js';
import { successorOf } from './refresh-successor.js';
import { formatScope } from './scopes.js';
import { randomSecret, secretHash } from './secrets.js';
import type { AccessTokenStore, NewAccessToken } from './ports/stores.js';

/** A token as issued: the secrets exist in clear only here, on their way into one response. */
export interface IssuedToken {
  accessToken: string;
  refreshToken: string | null;
  record: AccessToken;
}

export interface TokenToIssue {
  applicationId: number;
  userId: number | null;
  grantId: number | null;
  parentId: number | null;
  scopes: string[];
  withRefreshToken: boolean;
  previousRefreshTokenHash: string | null;
  expiresIn: number;
  at: number;
}

function newAccessToken(token: TokenToIssue, accessToken: string, refreshToken: string | null): NewAccessToken {
  return {
    tokenHash: secretHash(accessToken),
    refreshTokenHash: refreshToken === null ? null : secretHash(refreshToken),
    applicationId: token.applicationId,
    userId: token.userId,
    grantId: token.grantId,
    parentId: token.parentId,
    scopes: token.scopes,
    expiresIn: token.expiresIn,
    previousRefreshTokenHash: token.previousRefreshTokenHash,
    at: token.at,
  };
}

export async function issueToken(tokens: AccessTokenStore, token: TokenToIssue): Promise<IssuedToken> {
  const accessToken = randomSecret();
  const refreshToken = token.withRefreshToken ? randomSecret() : null;
  const record = await tokens.create(newAccessToken(token, accessToken, refreshToken));
  return { accessToken, refreshToken, record };
}

/**
 * issueToken, only while the application is at `applicationVersion` (tokens.createIfCurrent): undefined, with nothing
 * written, once it changed or went since the client was authenticated (perhaps from the process's cache, issue 16).
 */
export async function issueTokenIfCurrent(
  tokens: AccessTokenStore,
  token: TokenToIssue,
  applicationVersion: number,
): Promise<IssuedToken | undefined> {
  const accessToken = randomSecret();
  const refreshToken = token.withRefreshToken ? randomSecret() : null;
  const record = await tokens.createIfCurrent(newAccessToken(token, accessToken, refreshToken), applicationVersion);
  return record && { accessToken, refreshToken, record };
}

/**
 * The successor of a refresh token (compatibility.md §4.4, "Monban differs"): its secrets derived from that refresh
 * token (core/refresh-successor.ts), its row created once. Every refresh of one token gets this one pair, with the
 * created_at and expires_in of its first issue (those of `token` only the first time). Undefined when the stored
 * successor's application or user is gone.
 */
export async function issueSuccessor(
  tokens: AccessTokenStore,
  key: KeyObject,
  refreshToken: string,
  token: Omit<TokenToIssue, 'withRefreshToken'>,
): Promise<IssuedToken | undefined> {
  const successor = successorOf(key, refreshToken);
  const toIssue = { ...token, withRefreshToken: true };
  const record = await tokens.createIfAbsent(newAccessToken(toIssue, successor.accessToken, successor.refreshToken));
  return record && { ...successor, record };
}

export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  created_at: number;
}

/** RFC 6749 §5.1 in Doorkeeper's key order; `refresh_token` only when one was issued. */
export function tokenResponseBody(issued: IssuedToken): TokenResponseBody {
  const body: TokenResponseBody = {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: issued.record.expiresIn,
    scope: formatScope(issued.record.scopes),
    created_at: Math.floor(issued.record.createdAt / 1000),
  };
  if (issued.refreshToken === null) return body;
  return {
    access_token: body.access_token,
    token_type: body.token_type,
    expires_in: body.expires_in,
    refresh_token: issued.refreshToken,
    scope: body.scope,
    created_at: body.created_at,
  };
}
