import { AUDIT_TYPES, isAuditType } from '../audit/types.js';
import type { Config } from '../config.js';
import type { AuditEvent, AuditQuery } from '../core/ports/stores.js';
import { parseOptions } from './args.js';
import { withStores } from './database.js';
import { UsageError } from './usage.js';

/** A filter naming nothing that exists (an unknown nickname): exit status 1 with the message. */
export class AuditFilterError extends Error {
  override name = 'AuditFilterError';
}

export const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 100_000;

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `--since`: a duration back from now (`30m`, `24h`, `7d`, `2w`) or an ISO 8601 date or time (`2026-12-01`). */
export function parseSince(value: string, now: number): number {
  const duration = /^(\d{1,9})([smhdw])$/.exec(value);
  if (duration) return now - Number(duration[1]) * (UNIT_MS[duration[2] ?? ''] ?? 0);
  const at = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) {
    throw new UsageError(`--since must be a duration like 24h or 7d, or an ISO date like 2026-12-01 (got "${value}")`);
  }
  return at;
}

/** `--type`, repeated or comma-separated, each one of the audit types. */
export function parseTypes(values: readonly string[]): string[] {
  const types = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  for (const type of types) {
    if (!isAuditType(type)) {
      throw new UsageError(`unknown audit type "${type}"; the types are: ${AUDIT_TYPES.join(', ')}`);
    }
  }
  return [...new Set(types)];
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_AUDIT_LIMIT;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > MAX_AUDIT_LIMIT) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_AUDIT_LIMIT} (got "${value}")`);
  }
  return Number(value);
}

/** One event as `--json` prints it: one object per line, snake_case keys, times in ISO 8601. */
function toJson(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    at: new Date(event.at).toISOString(),
    type: event.type,
    user_id: event.userId,
    user: event.nickname,
    application_id: event.applicationId,
    client_id: event.clientId,
    application: event.applicationName,
    address: event.address,
    user_agent: event.userAgent,
    details: event.details,
  };
}

/** One event as a line of text: time, type, then what it names. */
function toText(event: AuditEvent): string {
  const parts = [new Date(event.at).toISOString(), event.type.padEnd(30)];
  if (event.userId !== null) parts.push(`user=${event.nickname === null ? `#${event.userId}` : `@${event.nickname}`}`);
  if (event.clientId !== null) parts.push(`app=${event.clientId}`);
  else if (event.applicationId !== null) parts.push(`app=#${event.applicationId}`);
  if (event.address !== null) parts.push(`address=${event.address}`);
  for (const [key, value] of Object.entries(event.details)) parts.push(`${key}=${JSON.stringify(value)}`);
  if (event.userAgent !== null) parts.push(`user_agent=${JSON.stringify(event.userAgent)}`);
  return parts.join(' ');
}

/** `monban audit`: the audit log, newest first, filtered (docs/audit.md). */
export async function auditCommand(
  args: string[],
  config: Config,
  out: (line: string) => void,
  now: number = Date.now(),
): Promise<void> {
  const values = parseOptions(args, {
    user: { type: 'string' },
    app: { type: 'string' },
    type: { type: 'string', multiple: true },
    since: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  const types = parseTypes(values.type ?? []);
  const since = values.since === undefined ? undefined : parseSince(values.since, now);
  const limit = parseLimit(values.limit);

  const events = await withStores(config, async (stores) => {
    const query: AuditQuery = { limit, types };
    if (since !== undefined) query.since = since;
    if (values.user !== undefined) {
      const found = await stores.users.findByNickname(values.user);
      if (!found) throw new AuditFilterError(`No user with nickname "${values.user}".`);
      query.userId = found.user.id;
    }
    if (values.app !== undefined) {
      // A client_id that names no application still finds the failed client authentications that presented it.
      const application = await stores.applications.findByUid(values.app);
      query.clientId = values.app;
      if (application) query.applicationId = application.id;
    }
    return stores.audit.list(query);
  });
  if (values.json) {
    for (const event of events) out(JSON.stringify(toJson(event)));
    return;
  }
  if (events.length === 0) out('No audit events.');
  for (const event of events) out(toText(event));
}
