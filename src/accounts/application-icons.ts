import { createHash } from 'node:crypto';
import type { Application } from '../core/model.js';
import type { ApplicationIcon, Stores } from '../core/ports/stores.js';

/**
 * Uploaded application icons (security.md #93a). An icon is public: the consent page shows it to whoever
 * is asked, so only raster pictures are taken, and their type is read from their first bytes, never from the
 * uploader's Content-Type or file name. SVG is refused whatever it is called: it is a document that can carry script.
 */

/** The largest icon taken: 256 KiB, ample for a picture shown at 56 px. */
export const ICON_MAX_BYTES = 256 * 1024;

/** The types taken, read from the bytes (iconTypeOf). */
export const ICON_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

export type IconType = (typeof ICON_TYPES)[number];

export type IconProblem = 'icon_too_large' | 'icon_unsupported';

function startsWith(bytes: Uint8Array, offset: number, expected: readonly number[] | string): boolean {
  const codes = typeof expected === 'string' ? [...expected].map((c) => c.charCodeAt(0)) : expected;
  return bytes.length >= offset + codes.length && codes.every((code, i) => bytes[offset + i] === code);
}

/**
 * The picture's type from its signature: PNG (its 8-byte signature, PNG §5.2), JPEG (SOI then a marker), GIF
 * (GIF87a, GIF89a) or WebP (a RIFF container of form type WEBP); undefined for anything else, SVG and HTML included.
 */
export function iconTypeOf(bytes: Uint8Array): IconType | undefined {
  if (startsWith(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, 0, 'GIF87a') || startsWith(bytes, 0, 'GIF89a')) return 'image/gif';
  if (startsWith(bytes, 0, 'RIFF') && startsWith(bytes, 8, 'WEBP')) return 'image/webp';
  return undefined;
}

/** The version of these bytes: 22 characters of their SHA-256 (base64url), the ETag and the pages' `?v=`. */
export function iconVersion(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 22);
}

/** The icon these bytes make, or why they make none. */
export function checkIcon(
  bytes: Uint8Array,
): { ok: true; icon: Omit<ApplicationIcon, 'updatedAt'> } | { ok: false; problem: IconProblem } {
  if (bytes.length > ICON_MAX_BYTES) return { ok: false, problem: 'icon_too_large' };
  const contentType = iconTypeOf(bytes);
  if (!contentType) return { ok: false, problem: 'icon_unsupported' };
  return { ok: true, icon: { contentType, bytes, version: iconVersion(bytes) } };
}

/** Sets or replaces the application's icon (its iconVersion changes with it). */
export async function setIcon(
  stores: Stores,
  application: Application,
  icon: Omit<ApplicationIcon, 'updatedAt'>,
  now: number,
): Promise<void> {
  if (!(await stores.applicationIcons.put(application.id, icon, now))) {
    throw new Error(`application ${application.id} vanished while its icon was set`);
  }
}

/** Removes the application's icon, if it has one: pages draw one from the name again (http/icons.ts). */
export async function removeIcon(stores: Stores, application: Application, now: number): Promise<void> {
  await stores.applicationIcons.remove(application.id, now);
}
