import type { SkipReason } from './mappers.js';

/** What one kind of row came to: new here, moved by an earlier run, or left behind and why. */
export interface KindCounts {
  imported: number;
  already: number;
  skipped: Partial<Record<SkipReason, number>>;
}

export interface ImportSummary {
  users: KindCounts;
  applications: KindCounts;
  grants: KindCounts;
  tokens: KindCounts;
  /** Imported users who have no password Monban can check (docs/import.md: they set one through a password reset). */
  usersWithoutPassword: number;
  /** Imported users and applications that could not keep their source id (taken here) and got a new one. */
  renumbered: number;
  dryRun: boolean;
  seconds: number;
}

export const KINDS = ['users', 'applications', 'grants', 'tokens'] as const;

export function emptyCounts(): KindCounts {
  return { imported: 0, already: 0, skipped: {} };
}

export function skip(counts: KindCounts, reason: SkipReason, n = 1): void {
  counts.skipped[reason] = (counts.skipped[reason] ?? 0) + n;
}

const REASONS: Record<SkipReason, string> = {
  revoked: 'revoked',
  expired: 'expired',
  no_user: 'user not imported',
  no_application: 'application not imported',
  no_owner: 'no owner user',
  nickname_taken: 'nickname taken here',
  no_nickname: 'no nickname',
  client_id_taken: 'client_id taken here',
  pkce_method: 'PKCE method not S256',
};

/** The lines printed at the end of a run. */
export function formatSummary(summary: ImportSummary): string[] {
  const lines = [
    summary.dryRun
      ? `Dry run: nothing was written. This is what an import would do (${summary.seconds.toFixed(1)} s):`
      : `Import finished in ${summary.seconds.toFixed(1)} s:`,
  ];
  for (const kind of KINDS) {
    const c = summary[kind];
    const skipped = Object.entries(c.skipped)
      .map(([reason, n]) => `${n} ${REASONS[reason as SkipReason]}`)
      .join(', ');
    const total = Object.values(c.skipped).reduce((a, b) => a + b, 0);
    lines.push(
      `  ${kind.padEnd(12)} ${String(c.imported).padStart(9)} imported, ${c.already} already imported, ` +
        `${total} skipped${skipped === '' ? '' : ` (${skipped})`}`,
    );
  }
  if (summary.usersWithoutPassword > 0) {
    lines.push(
      `  ${summary.usersWithoutPassword} imported users have no password: they set one through a password reset.`,
    );
  }
  if (summary.renumbered > 0) {
    lines.push(`  ${summary.renumbered} users or applications got a new id: their source id was taken here.`);
  }
  return lines;
}
