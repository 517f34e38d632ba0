import type { Migration, MigrationProvider } from 'kysely';
import type { DialectTraits } from '../dialect.js';
import { initial } from './001_initial.js';
import { nicknameSkeleton } from './002_nickname_skeleton.js';
import { authorizationRequests } from './003_authorization_requests.js';
import { pkce } from './004_pkce.js';
import { refreshReuse } from './005_refresh_reuse.js';
import { deviceCodes } from './006_device_codes.js';
import { userRates } from './007_user_rates.js';
import { applicationQuotas } from './008_application_quotas.js';
import { auditEvents } from './009_audit_events.js';
import { cleanup } from './010_cleanup.js';
import { secretReveals } from './011_secret_reveals.js';
import { doorkeeperImport } from './012_doorkeeper_import.js';
import { applicationIcons } from './013_application_icons.js';
import { applicationCache } from './014_application_cache.js';
import { accessTokenIndexes } from './015_access_token_indexes.js';
import { passwordResets } from './016_password_resets.js';

/** Versioned migrations, applied in name order; a name is never reused or edited once released. */
export function migrationProvider(dialect: DialectTraits): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001_initial': initial(dialect),
        '002_nickname_skeleton': nicknameSkeleton(),
        '003_authorization_requests': authorizationRequests(dialect),
        '004_pkce': pkce(),
        '005_refresh_reuse': refreshReuse(),
        '006_device_codes': deviceCodes(dialect),
        '007_user_rates': userRates(dialect),
        '008_application_quotas': applicationQuotas(),
        '009_audit_events': auditEvents(dialect),
        '010_cleanup': cleanup(),
        '011_secret_reveals': secretReveals(dialect),
        '012_doorkeeper_import': doorkeeperImport(),
        '013_application_icons': applicationIcons(dialect),
        '014_application_cache': applicationCache(dialect),
        '015_access_token_indexes': accessTokenIndexes(),
        '016_password_resets': passwordResets(dialect),
      };
    },
  };
}
