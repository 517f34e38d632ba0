import { type Kysely } from 'kysely';
import { DEVISE_PEPPER_KEY } from '../../accounts/passwords.js';
import type { Database } from '../../storage/schema.js';
import { grantUsable, mapApplication, mapGrant, mapToken, tokenUsable } from './mappers.js';
import { NO_PROGRESS, type Progress } from './progress.js';
import type { ColumnKind, SourceDatabase, SourceRow } from './source.js';
import { skip, type ImportSummary, type KindCounts } from './summary.js';
import { APPLICATIONS, GRANTS, TOKENS, USERS, type TableSpec } from './tables.js';
import { chunks, freeIds, linkParents, mapped, remember, reserveIds, type Target } from './target.js';
import { UserImporter } from './users.js';

/**
 * One run of `monban import doorkeeper` (import.ts frames it: the transaction or dry run, the SQLite cache): reads
 * each Doorkeeper table in batches and writes what it maps to, with the users it needs and its map entries.
 */

export interface ImportOptions {
  /** Devise's pepper, appended to passwords before bcrypt; null when the source site had none. */
  pepper: string | null;
  dryRun: boolean;
  /** Source rows per batch (one read, one transaction). */
  batchSize?: number;
  now?: number;
  progress?: Progress;
}

export class ImportError extends Error {
  override name = 'ImportError';
}

const DEFAULT_BATCH = 2000;

export class Run {
  private readonly users: UserImporter;
  private readonly batchSize: number;
  private readonly progress: Progress;

  constructor(
    private readonly source: SourceDatabase,
    private readonly target: Target,
    private readonly columns: Map<TableSpec, Record<string, ColumnKind>>,
    private readonly summary: ImportSummary,
    private readonly options: ImportOptions,
  ) {
    this.users = new UserImporter(source, this.columnsOf(USERS), summary, target.now, target.placeholderId);
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
    this.progress = options.progress ?? NO_PROGRESS;
  }

  /** The row as it is, or, in a dry run on PostgreSQL, with a placeholder id (Target.placeholderId). */
  private withPlaceholder<T extends object>(row: T): T & { id?: number } {
    const placeholder = this.target.placeholderId;
    return placeholder ? { ...row, id: placeholder() } : row;
  }

  private columnsOf(table: TableSpec) {
    const found = this.columns.get(table);
    if (!found) throw new Error(`no columns for ${table.name}`);
    return found;
  }

  async all(): Promise<void> {
    await this.target.batch(async (db) => {
      await this.keepPepper(db);
      // A dry run with placeholder ids takes none from the sequences, so it has nothing to reserve.
      if (this.target.placeholderId) return;
      await reserveIds(db, this.target.dialect, 'users', await this.source.maxId(USERS.name));
      await reserveIds(db, this.target.dialect, 'applications', await this.source.maxId(APPLICATIONS.name));
    });
    await this.eachBatch(APPLICATIONS, (db, rows) => this.applications(db, rows));
    await this.eachBatch(GRANTS, (db, rows) => this.grants(db, rows));
    await this.eachBatch(TOKENS, (db, rows) => this.tokens(db, rows));
    // Users are met only through the rows that need them, so those moved by an earlier run are counted here.
    const moved = await this.target.db
      .selectFrom('import_map')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'user')
      .executeTakeFirstOrThrow();
    this.summary.users.already = Number(moved.n) - this.summary.users.imported;
  }

  /**
   * The pepper goes into the database with the hashes that need it (docs/security.md): the server reads it at
   * sign-in, so no setting can be forgotten. A database keeps one pepper; importing a site with another is refused.
   */
  private async keepPepper(db: Kysely<Database>): Promise<void> {
    const stored = await db
      .selectFrom('server_keys')
      .select('secret')
      .where('name', '=', DEVISE_PEPPER_KEY)
      .executeTakeFirst();
    const pepper = this.options.pepper ?? '';
    if (stored !== undefined) {
      if (stored.secret !== pepper) {
        throw new ImportError('this Monban database already holds passwords imported with another pepper');
      }
      return;
    }
    await db
      .insertInto('server_keys')
      .values({ name: DEVISE_PEPPER_KEY, secret: pepper, created_at: this.target.now })
      .execute();
  }

  private async eachBatch(table: TableSpec, write: (db: Kysely<Database>, rows: SourceRow[]) => Promise<void>) {
    this.progress.start(table.name, await this.source.count(table.name));
    const columns = this.columnsOf(table);
    let after: unknown;
    for (;;) {
      const { rows, last } = await this.source.page(table.name, columns, after, this.batchSize);
      if (rows.length === 0) break;
      await this.target.batch((db) => write(db, rows));
      this.progress.advance(rows.length);
      after = last;
      if (rows.length < this.batchSize) break;
    }
    this.progress.finish();
  }

  /** Rows not moved yet, after counting those an earlier run moved. */
  private async fresh(
    db: Kysely<Database>,
    kind: 'application' | 'grant' | 'token',
    rows: SourceRow[],
    counts: KindCounts,
  ) {
    const earlier = await mapped(
      db,
      kind,
      rows.map((r) => String(r.id)),
    );
    counts.already += earlier.size;
    return rows.filter((r) => !earlier.has(String(r.id)));
  }

  private async applications(db: Kysely<Database>, rows: SourceRow[]): Promise<void> {
    const counts = this.summary.applications;
    const pending = await this.fresh(db, 'application', rows, counts);
    const owned = pending.filter((r) => {
      const type = r.owner_type;
      const ok = r.owner_id !== null && (type === undefined || type === null || type === 'User');
      if (!ok) skip(counts, 'no_owner');
      return ok;
    });
    const owners = await this.users.ensure(
      db,
      owned.map((r) => String(r.owner_id)),
    );
    const uids = owned.map((r) => String(r.uid ?? ''));
    const takenUids = new Set<string>();
    for (const chunk of chunks(uids)) {
      const existing = await db.selectFrom('applications').select('uid').where('uid', 'in', chunk).execute();
      for (const row of existing) takenUids.add(row.uid);
    }
    const accepted = owned.filter((r) => {
      if (!owners.has(String(r.owner_id))) skip(counts, 'no_user');
      else if (takenUids.has(String(r.uid))) skip(counts, 'client_id_taken');
      else return true;
      return false;
    });
    const free = await freeIds(
      db,
      'applications',
      accepted.map((r) => String(r.id)),
    );
    const pairs: [string, number][] = [];
    for (const row of accepted) {
      const values = mapApplication(row, owners.get(String(row.owner_id)) ?? 0);
      const keeps = free.has(String(row.id));
      const placeholder = this.target.placeholderId;
      const id = placeholder ? { id: placeholder() } : keeps ? { id: Number(row.id) } : {};
      const inserted = await db
        .insertInto('applications')
        .values({ ...values, ...id })
        .returning('id')
        .executeTakeFirstOrThrow();
      pairs.push([String(row.id), Number(inserted.id)]);
      // Past reserveIds, a row that cannot keep its id gets another one; a dry run counts it the same.
      if (!keeps) this.summary.renumbered++;
    }
    await remember(db, 'application', pairs, this.target.now);
    counts.imported += pairs.length;
  }

  /** The Monban ids of the applications and users these rows refer to; rows whose either is missing are skipped. */
  private async owners(db: Kysely<Database>, rows: SourceRow[], counts: KindCounts) {
    const applications = await mapped(
      db,
      'application',
      rows.map((r) => String(r.application_id)),
    );
    const withApplication = rows.filter((r) => {
      if (applications.has(String(r.application_id))) return true;
      skip(counts, 'no_application');
      return false;
    });
    const userIds = withApplication.filter((r) => r.resource_owner_id !== null).map((r) => String(r.resource_owner_id));
    const users = await this.users.ensure(db, userIds);
    const resolved: { row: SourceRow; applicationId: number; userId: number | null }[] = [];
    for (const row of withApplication) {
      const applicationId = applications.get(String(row.application_id)) ?? 0;
      if (row.resource_owner_id === null) {
        resolved.push({ row, applicationId, userId: null });
        continue;
      }
      const userId = users.get(String(row.resource_owner_id));
      if (userId === undefined) skip(counts, 'no_user');
      else resolved.push({ row, applicationId, userId });
    }
    return resolved;
  }

  private async grants(db: Kysely<Database>, rows: SourceRow[]): Promise<void> {
    const counts = this.summary.grants;
    const live = rows.filter((r) => {
      const reason = grantUsable(r, this.target.now);
      if (reason) skip(counts, reason);
      return !reason;
    });
    const pending = await this.fresh(db, 'grant', live, counts);
    const values: { sourceId: string; row: Exclude<ReturnType<typeof mapGrant>, { skip: unknown }>['row'] }[] = [];
    for (const { row, applicationId, userId } of await this.owners(db, pending, counts)) {
      // A code always has a user: Doorkeeper issues codes to resource owners only.
      if (userId === null) {
        skip(counts, 'no_user');
        continue;
      }
      const mappedGrant = mapGrant(row, { applicationId, userId });
      if ('skip' in mappedGrant) skip(counts, mappedGrant.skip);
      else values.push({ sourceId: String(row.id), row: mappedGrant.row });
    }
    const byHash = new Map(values.map((v) => [v.row.token_hash, v.sourceId]));
    const pairs: [string, number][] = [];
    for (const chunk of chunks(values)) {
      const inserted = await db
        .insertInto('access_grants')
        .values(chunk.map((v) => this.withPlaceholder(v.row)))
        .onConflict((oc) => oc.doNothing())
        .returning(['id', 'token_hash'])
        .execute();
      for (const row of inserted) pairs.push([byHash.get(row.token_hash) ?? '', Number(row.id)]);
    }
    await remember(db, 'grant', pairs, this.target.now);
    counts.imported += pairs.length;
  }

  private async tokens(db: Kysely<Database>, rows: SourceRow[]): Promise<void> {
    const counts = this.summary.tokens;
    const live = rows.filter((r) => {
      const reason = tokenUsable(r, this.target.now);
      if (reason) skip(counts, reason);
      return !reason;
    });
    const pending = await this.fresh(db, 'token', live, counts);
    const values = (await this.owners(db, pending, counts)).map(({ row, applicationId, userId }) => ({
      sourceId: String(row.id),
      row: mapToken(row, { applicationId, userId }),
    }));
    const byHash = new Map(values.map((v) => [v.row.token_hash, v.sourceId]));
    const pairs: [string, number][] = [];
    for (const chunk of chunks(values)) {
      const inserted = await db
        .insertInto('access_tokens')
        .values(chunk.map((v) => this.withPlaceholder(v.row)))
        .onConflict((oc) => oc.doNothing())
        .returning(['id', 'token_hash'])
        .execute();
      for (const row of inserted) pairs.push([byHash.get(row.token_hash) ?? '', Number(row.id)]);
    }
    await remember(db, 'token', pairs, this.target.now);
    const successors = new Set(values.filter((v) => v.row.previous_refresh_token_hash !== null).map((v) => v.sourceId));
    await linkParents(
      db,
      pairs.filter(([sourceId]) => successors.has(sourceId)).map(([, id]) => id),
    );
    counts.imported += pairs.length;
  }
}
