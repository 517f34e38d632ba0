import type { FastifyContextConfig } from 'fastify';
import type { ApplicationSettings } from '../../accounts/application-management.js';
import { ICON_MAX_BYTES } from '../../accounts/application-icons.js';
import { DESCRIPTION_MAX } from '../../accounts/applications.js';
import type { Application, User } from '../../core/model.js';
import { formatQuota } from '../../core/quota.js';
import { formBody, formList, formText, MalformedForm } from '../form-fields.js';

/**
 * What the application forms send, read into the settings and icon change that accounts/application-management.ts
 * takes, and an application's settings as the edit form shows them (routes/applications.ts).
 */

export function settingsFrom(body: unknown, actor: User): ApplicationSettings {
  const form = formBody(body);
  return {
    name: formText(form, 'name'),
    redirectUri: formText(form, 'redirect_uri'),
    descriptionEn: formText(form, 'description_en'),
    descriptionRu: formText(form, 'description_ru'),
    scopes: formList(form, 'scopes'),
    // Unticking every allowed scope sends no allowed_scopes at all; the marker field tells that from "not sent".
    allowedScopes:
      actor.admin && formText(form, 'allowed_scopes_sent') !== '' ? formList(form, 'allowed_scopes') : undefined,
    // Likewise an unticked "Confidential" sends nothing: public only when the form offered the choice.
    confidential: formText(form, 'confidential_sent') === '' || formText(form, 'confidential') !== '',
    // The quota field is an administrator's (core/quota.ts); a form without it leaves the quota as it is.
    quota: actor.admin && form.quota !== undefined ? formText(form, 'quota') : undefined,
  };
}

/**
 * The multipart limits of the edit form (the server's allow no file: http/server.ts). One file, cut one byte past
 * the icon's limit rather than failing the request, so that the form is shown again with its values and the reason
 * (checkIcon sees the extra byte). Fields as long as the longest description the form takes (DESCRIPTION_MAX
 * characters of up to 4 bytes), which busboy would otherwise cut, silently, at the server's 16 KiB.
 */
const ICON_PARTS = {
  limits: { files: 1, fileSize: ICON_MAX_BYTES + 1, fieldSize: 4 * DESCRIPTION_MAX },
  // Read by @fastify/multipart from these per-route options, although its types leave it out of them.
  throwFileSizeLimit: false,
};
export const ICON_FORM: FastifyContextConfig = { multipartOptions: ICON_PARTS };

/** What the edit form asks of the icon: an upload wins over "remove"; an empty file input asks nothing. */
export type IconChange = { kind: 'keep' } | { kind: 'remove' } | { kind: 'upload'; bytes: Buffer };

export function iconChangeFrom(body: unknown): IconChange {
  const form = formBody(body);
  const file = form.icon;
  if (Buffer.isBuffer(file)) {
    if (file.length > 0) return { kind: 'upload', bytes: file };
  } else if (formText(form, 'icon') !== '') {
    // Text where a file belongs: no page sends that.
    throw new MalformedForm('icon');
  }
  return formText(form, 'icon_remove') !== '' ? { kind: 'remove' } : { kind: 'keep' };
}

export function settingsOf(application: Application): ApplicationSettings {
  return {
    name: application.name,
    redirectUri: application.redirectUris.join('\n'),
    descriptionEn: application.descriptionEn,
    descriptionRu: application.descriptionRu,
    scopes: application.scopes,
    allowedScopes: application.allowedScopes,
    quota: application.quota === null ? '' : formatQuota(application.quota),
  };
}
