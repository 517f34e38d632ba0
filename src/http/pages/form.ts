import type { Locale } from '../../core/model.js';
import { t } from '../i18n.js';
import { html, type SafeHtml } from './html.js';

/**
 * Form pieces shared by the pages: every field has a label, and its errors sit next to it, tied to it with
 * aria-describedby so that a screen reader reads them with the field.
 */

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** The attributes that tie a field to its hint and errors. */
export function describedBy(id: string, options: { hint?: boolean; errors: readonly string[] }): SafeHtml {
  const ids = [options.hint ? `${id}_hint` : '', options.errors.length > 0 ? `${id}_errors` : ''].filter(Boolean);
  const invalid = options.errors.length > 0 ? html` aria-invalid="true"` : '';
  return html`${ids.length > 0 ? html` aria-describedby="${ids.join(' ')}"` : ''}${invalid}`;
}

export function fieldErrors(id: string, errors: readonly string[]): SafeHtml | '' {
  if (errors.length === 0) return '';
  return html`<ul class="field-errors" id="${id}_errors">${errors.map((e) => html`<li>${e}</li>`)}</ul>`;
}

export function hint(id: string, text: string): SafeHtml {
  return html`<p class="hint" id="${id}_hint">${text}</p>`;
}

/** A message for the whole page (a notice, or what went wrong), announced when the page loads. */
export function notice(text: string | undefined, kind: 'error' | 'success' = 'error'): SafeHtml | '' {
  if (!text) return '';
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/**
 * A button that copies the text of the element with this id. It needs the script (/assets/monban.js), which
 * reveals it; without JavaScript it stays hidden and the text is still there to select. Its accessible name says
 * what it copies ("Copy the client secret"), beginning with the visible "Copy" (WCAG 2.5.3), so that two buttons
 * of one page are told apart.
 */
export function copyButton(locale: Locale, targetId: string, name: string): SafeHtml {
  return html`<button type="button" class="copy" id="copy_${targetId}" data-copy="${targetId}" aria-label="${name}"
    data-copied="${t(locale, 'copied')}" hidden>${t(locale, 'copy')}</button>`;
}
