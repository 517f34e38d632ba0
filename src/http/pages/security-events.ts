import { isAuditType } from '../../audit/types.js';
import type { Locale } from '../../core/model.js';
import type { AuditEvent } from '../../core/ports/stores.js';
import { formatTime, t } from '../i18n.js';
import { AUDIT_LABELS } from '../messages/audit.js';
import { html, type SafeHtml } from './html.js';

/** How many of their latest events a user sees on their account page. */
export const ACCOUNT_EVENTS_SHOWN = 20;

function label(locale: Locale, type: string): string {
  return isAuditType(type) ? AUDIT_LABELS[locale][type] : type;
}

/**
 * The account page's "Security events" (docs/audit.md): the user's latest events, with the application, the
 * address and the user agent of the request that caused each, so that a sign-in or a token they do not recognise
 * stands out.
 */
export function securityEventsSection(locale: Locale, events: readonly AuditEvent[]): SafeHtml {
  const rows = events.map(
    (event) => html`<tr class="audit-event" data-type="${event.type}">
      <td><time datetime="${new Date(event.at).toISOString()}">${formatTime(locale, event.at)}</time></td>
      <td>${label(locale, event.type)}</td>
      <td>${event.applicationName ?? (event.clientId === null ? '' : html`<code>${event.clientId}</code>`)}</td>
      <td>${event.address ?? ''}</td>
      <td class="user-agent">${event.userAgent ?? ''}</td>
    </tr>`,
  );
  return html`<section class="card" id="security_events" aria-labelledby="security_events_title">
  <h2 id="security_events_title">${t(locale, 'securityEvents')}</h2>
  ${events.length === 0
    ? html`<p class="hint">${t(locale, 'securityEventsNone')}</p>`
    : html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="security_events_title"><table
      class="events">
      <thead><tr>
        <th scope="col">${t(locale, 'eventTime')}</th>
        <th scope="col">${t(locale, 'eventWhat')}</th>
        <th scope="col">${t(locale, 'eventApplication')}</th>
        <th scope="col">${t(locale, 'eventAddress')}</th>
        <th scope="col">${t(locale, 'eventUserAgent')}</th>
      </tr></thead>
      <tbody>${rows}</tbody>
    </table></div>`}
</section>`;
}

/** What an application's owner sees of its use (docs/audit.md). */
export interface ApplicationActivity {
  authorizedUsers: number;
  tokensIssuedLastWeek: number;
  replaysDetected: number;
}

export function applicationActivitySection(locale: Locale, activity: ApplicationActivity): SafeHtml {
  return html`<section class="card" id="application_activity" aria-labelledby="application_activity_title">
  <h2 id="application_activity_title">${t(locale, 'applicationActivity')}</h2>
  <dl class="details">
    <dt>${t(locale, 'authorizedUsers')}</dt><dd id="activity_users">${activity.authorizedUsers}</dd>
    <dt>${t(locale, 'tokensIssuedWeek')}</dt><dd id="activity_tokens_issued">${activity.tokensIssuedLastWeek}</dd>
    <dt>${t(locale, 'replaysDetected')}</dt><dd id="activity_replays">${activity.replaysDetected}</dd>
  </dl>
</section>`;
}
