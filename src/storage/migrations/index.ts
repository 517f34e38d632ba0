import type { Migration, MigrationProvider } from 'kysely';
import type { DialectTraits } from '../dialect.js';
import { initial } from './001_initial.js';
import { nicknameSkeleton } from './002_nickname_skeleton.js';
import { authorizationRequests } from './003_authorization_requests.js';

/** Versioned migrations, applied in name order; a name is never reused or edited once released. */
export function migrationProvider(dialect: DialectTraits): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001_initial': initial(dialect),
        '002_nickname_skeleton': nicknameSkeleton(),
        '003_authorization_requests': authorizationRequests(dialect),
      };
    },
  };
}
