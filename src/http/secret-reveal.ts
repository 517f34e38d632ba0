import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretReveal, Stores } from '../core/ports/stores.js';
import { randomSecret, secretHash } from '../core/secrets.js';

/**
 * Post/redirect/get for a new client secret (security.md #92): the form's POST keeps the secret here and redirects;
 * the GET it redirects to takes it, once. Reloading that page, or going back to it, shows that it was shown, and
 * creates nothing.
 *
 * The database holds the secret only sealed (AES-256-GCM) under a key derived from the session cookie and the
 * reveal id, both of which it keeps only as hashes: a copy of the database, or a log line with the page's address,
 * opens nothing. Another browser, or this one after signing out, finds no reveal.
 */

/** Long enough to follow a redirect on a slow connection; a reveal never shown is deleted after it. */
const REVEAL_TTL_MS = 10 * 60 * 1000;

function keyOf(sessionId: string, revealId: string): Buffer {
  return createHash('sha256').update(`monban secret reveal\0${sessionId}\0${revealId}`, 'utf8').digest();
}

function seal(secret: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.');
}

function open(sealed: string, key: Buffer): string | undefined {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !data) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Keeps a new secret (undefined: a public application's, which has none) for one view; returns the reveal's id. */
export async function keepSecret(
  stores: Stores,
  sessionId: string,
  reveal: { applicationId: number; kind: SecretReveal['kind']; secret: string | undefined },
  now: number,
): Promise<string> {
  const id = randomSecret();
  await stores.secretReveals.create({
    idHash: secretHash(id),
    sessionHash: secretHash(sessionId),
    applicationId: reveal.applicationId,
    kind: reveal.kind,
    sealedSecret: reveal.secret === undefined ? null : seal(reveal.secret, keyOf(sessionId, id)),
    at: now,
    expiresAt: now + REVEAL_TTL_MS,
  });
  return id;
}

export interface Revealed {
  kind: SecretReveal['kind'];
  /** Undefined for a public application. */
  secret: string | undefined;
}

/** The kept secret of this reveal id, for this session and application, once; undefined ever after. */
export async function takeSecret(
  stores: Stores,
  sessionId: string,
  revealId: string,
  applicationId: number,
  now: number,
): Promise<Revealed | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(revealId)) return undefined;
  const reveal = await stores.secretReveals.take(secretHash(revealId), secretHash(sessionId), now);
  if (!reveal || reveal.applicationId !== applicationId) return undefined;
  if (reveal.sealedSecret === null) return { kind: reveal.kind, secret: undefined };
  const secret = open(reveal.sealedSecret, keyOf(sessionId, revealId));
  return secret === undefined ? undefined : { kind: reveal.kind, secret };
}
