import type { Application } from '../core/model.js';
import { nameIcon } from './icons.js';
import { html, type SafeHtml } from './pages/html.js';

/**
 * Where an application's uploaded icon is served (routes/application-icons.ts), with its version in the query: the
 * URL changes when the icon does, so browsers may keep each one for good.
 */
export function iconUrl(application: Application & { iconVersion: string }): string {
  return `/oauth/applications/${application.id}/icon?v=${encodeURIComponent(application.iconVersion)}`;
}

/**
 * The application's picture at `size` CSS pixels: its uploaded icon, else one drawn from its name (http/icons.ts).
 * The alt is empty either way: the name is always written beside it.
 */
export function applicationIcon(application: Application, size: number): SafeHtml {
  const { iconVersion } = application;
  if (iconVersion === undefined) return nameIcon(application.name, size);
  const src = iconUrl({ ...application, iconVersion });
  return html`<img class="icon uploaded" src="${src}" width="${size}" height="${size}" alt="">`;
}
