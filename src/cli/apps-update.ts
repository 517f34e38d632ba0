import { ApplicationError } from '../accounts/applications.js';
import type { Config } from '../config.js';
import { formatQuota, parseQuota, QuotaSyntaxError } from '../core/quota.js';
import type { ApplicationQuota } from '../core/model.js';
import { parseOptions } from './args.js';
import { withStores } from './database.js';
import { UsageError } from './usage.js';

/**
 * `monban apps update CLIENT_ID --quota 600/min,50000/day` (or `--quota none`): an administrator's change to an
 * application. The quota is the only setting changed here; the owner edits the rest on the application's page.
 */
export async function appsUpdateCommand(args: string[], config: Config, out: (line: string) => void): Promise<void> {
  const [uid, ...rest] = args;
  // A client id may itself start with "-" (URL-safe base64): only this command's own options mean it is missing.
  if (uid === undefined || uid === '' || /^--(quota|json)(=|$)/.test(uid)) {
    throw new UsageError('apps update needs a CLIENT_ID');
  }
  const values = parseOptions(rest, { quota: { type: 'string' }, json: { type: 'boolean' } });
  if (values.quota === undefined) throw new UsageError('--quota is required (COUNT/min, COUNT/day, both, or none)');
  let quota: ApplicationQuota | null;
  try {
    quota = parseQuota(values.quota);
  } catch (err) {
    if (err instanceof QuotaSyntaxError) throw new UsageError(`--quota: ${err.message}`);
    throw err;
  }

  const application = await withStores(config, async (stores) => {
    const found = await stores.applications.findByUid(uid);
    if (!found) throw new ApplicationError('owner', `No application with client_id "${uid}".`);
    const updated = await stores.applications.setQuota(found.id, quota, Date.now());
    if (!updated) throw new ApplicationError('owner', `No application with client_id "${uid}".`);
    return updated;
  });
  if (values.json) {
    const json = {
      id: application.id,
      name: application.name,
      client_id: application.uid,
      quota: formatQuota(application.quota),
      quota_per_minute: application.quota?.perMinute ?? null,
      quota_per_day: application.quota?.perDay ?? null,
    };
    out(JSON.stringify(json, null, 2));
    return;
  }
  out(`Updated application "${application.name}" (id ${application.id}).`);
  out(`quota:         ${formatQuota(application.quota)}`);
}
