/**
 * What a benchmark run produces: the JSON document (bench/results/latest.json), the table printed on stdout and the
 * markdown snippet (bench/results/latest.md) that docs/benchmarks.md and the README quote.
 */
import type { DriverResult, Scenario } from './common.js';
import { SCENARIO_TITLES } from './common.js';
import type { ProfileSummary } from './profile.js';
import type { SqlCount } from './sql-count.js';
import { total, withoutTransactionControl } from './sql-count.js';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  postgres: string | null;
  loadAverageAtStart: number[];
  commit: string | null;
  date: string;
}

export interface Settings {
  connections: number;
  durationS: number;
  warmupS: number;
  runs: number;
  poolRate: number;
  residentTokens: number;
  users: number;
}

/** The runs of one scenario against one target, summarized: failed runs are listed, never averaged in. */
export interface Cell {
  scenario: Scenario;
  target: string;
  runs: DriverResult[];
  passed: number;
  /** Mean over the passing runs; null when none passed. */
  rate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  peakRssMiB: number | null;
  failures: string[];
}

export interface Check {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface ScaleRow {
  backend: string;
  scenario: Scenario;
  small: Cell;
  large: Cell;
  /** large / small. */
  ratio: number | null;
}

export interface Report {
  machine: Machine;
  settings: Settings;
  skipped: { target: string; reason: string }[];
  cells: Cell[];
  ratios: { scenario: Scenario; target: string; toLimit: number | null; toOidcProvider: number | null }[];
  sqlCounts: SqlCount[];
  sqlCountErrors: string[];
  scale: { smallTokens: number; largeTokens: number; rows: ScaleRow[] } | null;
  profiles: { target: string; scenario: Scenario; summary: ProfileSummary }[];
  checks: Check[];
}

const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const round = (n: number | null, digits = 2) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

export function cellOf(scenario: Scenario, target: string, runs: DriverResult[], peakRssMiB: number | null): Cell {
  const passing = runs.filter((r) => r.failure === null);
  return {
    scenario,
    target,
    runs,
    passed: passing.length,
    rate: round(mean(passing.map((r) => r.rate)), 1),
    p50Ms: round(mean(passing.map((r) => r.latencyMs.p50))),
    p99Ms: round(mean(passing.map((r) => r.latencyMs.p99))),
    peakRssMiB,
    failures: runs.filter((r) => r.failure !== null).map((r) => r.failure as string),
  };
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a == null || b == null || b === 0 ? null : Math.round((a / b) * 100) / 100;
}

const fmtRate = (c: Cell | undefined) =>
  !c ? '-' : c.rate === null ? `FAILED (${c.failures[0] ?? 'no run passed'})` : `${Math.round(c.rate).toLocaleString('en-US')}`;
const fmtLatency = (c: Cell | undefined) =>
  !c || c.rate === null ? '-' : `${c.p50Ms?.toFixed(2)} / ${c.p99Ms?.toFixed(2)}`;
const fmtRatio = (r: number | null) => (r === null ? '-' : `${r.toFixed(2)}x`);

/** The targets the issue sets, each met, missed, or not measured (null). */
export function checks(report: Omit<Report, 'checks'>): Check[] {
  const cell = (scenario: Scenario, target: string) =>
    report.cells.find((c) => c.scenario === scenario && c.target === target);
  const r = (scenario: Scenario, target: string) => report.ratios.find((x) => x.scenario === scenario && x.target === target);
  const out: Check[] = [];
  const atLeast = (label: string, value: number | null | undefined, min: number) =>
    out.push({
      target: label,
      measured: value == null ? 'not measured' : `${value.toFixed(2)}x`,
      met: value == null ? null : value >= min,
    });
  atLeast('whoami on SQLite >= 0.8x the limit', r('whoami', 'monban-sqlite')?.toLimit, 0.8);
  atLeast('whoami on PostgreSQL >= 0.5x the limit', r('whoami', 'monban-postgres')?.toLimit, 0.5);
  atLeast('refresh on SQLite >= 2.5x oidc-provider', r('refresh', 'monban-sqlite')?.toOidcProvider, 2.5);
  atLeast('refresh on PostgreSQL >= 1x oidc-provider', r('refresh', 'monban-postgres')?.toOidcProvider, 1);
  for (const count of report.sqlCounts) {
    const n = total(count.returningFlow);
    const first = total(count.firstFlow);
    out.push({
      target: `full flow <= 10 SQL statements (${count.database})`,
      measured: `${n} returning user, ${first} first authorization with the consent form`,
      met: n <= 10,
    });
  }
  for (const scenario of ['whoami', 'refresh', 'code', 'client_credentials'] as const) {
    const c = cell(scenario, 'monban-sqlite');
    out.push({
      target: `p99 < 20 ms at ${report.settings.connections} connections, ${scenario}, SQLite`,
      measured: c?.p99Ms == null ? 'not measured' : `${c.p99Ms.toFixed(2)} ms`,
      met: c?.p99Ms == null ? null : c.p99Ms < 20,
    });
  }
  for (const row of report.scale?.rows ?? []) {
    out.push({
      target: `${row.scenario} on ${row.backend}: ${report.scale?.largeTokens.toLocaleString('en-US')} tokens within 10% of ${report.scale?.smallTokens.toLocaleString('en-US')}`,
      measured: row.ratio === null ? 'not measured' : `${row.ratio.toFixed(2)}x`,
      met: row.ratio === null ? null : row.ratio >= 0.9,
    });
  }
  return out;
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
}

export function markdown(report: Report, targets: string[]): string {
  const { machine, settings } = report;
  const cell = (scenario: Scenario, target: string) =>
    report.cells.find((c) => c.scenario === scenario && c.target === target);
  const scenarios = [...new Set(report.cells.map((c) => c.scenario))];
  const monbans = targets.filter((t) => t.startsWith('monban'));
  const lines: string[] = [];
  lines.push(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}` +
      `${machine.postgres ? `, PostgreSQL ${machine.postgres}` : ''}; load average at start ${machine.loadAverageAtStart.join(', ')}` +
      `; ${machine.date}${machine.commit ? `, commit ${machine.commit.slice(0, 10)}` : ''}.`,
  );
  lines.push(
    `Settings: ${settings.connections} connections, ${settings.durationS} s per run after ${settings.warmupS} s of warm-up, ` +
      `mean of ${settings.runs} run(s); ${settings.residentTokens.toLocaleString('en-US')} resident tokens, ${settings.users.toLocaleString('en-US')} users.`,
  );
  lines.push('');
  lines.push('Requests per second (flow: complete flows per second):');
  lines.push('');
  lines.push(
    table(
      ['scenario', ...targets],
      scenarios.map((s) => [SCENARIO_TITLES[s], ...targets.map((t) => fmtRate(cell(s, t)))]),
    ),
  );
  lines.push('');
  lines.push('Latency p50 / p99 in ms (flow: the whole flow):');
  lines.push('');
  lines.push(
    table(
      ['scenario', ...targets],
      scenarios.map((s) => [SCENARIO_TITLES[s], ...targets.map((t) => fmtLatency(cell(s, t)))]),
    ),
  );
  if (monbans.length > 0) {
    lines.push('');
    lines.push('Ratios (Monban / the limit, Monban / oidc-provider):');
    lines.push('');
    lines.push(
      table(
        ['scenario', ...monbans.flatMap((m) => [`${m} / limit`, `${m} / oidc-provider`])],
        scenarios.map((s) => [
          SCENARIO_TITLES[s],
          ...monbans.flatMap((m) => {
            const r = report.ratios.find((x) => x.scenario === s && x.target === m);
            return [fmtRatio(r?.toLimit ?? null), fmtRatio(r?.toOidcProvider ?? null)];
          }),
        ]),
      ),
    );
  }
  const rss = targets.map((t) => {
    const values = report.cells.filter((c) => c.target === t && c.peakRssMiB !== null).map((c) => c.peakRssMiB as number);
    return values.length === 0 ? '-' : `${Math.max(...values)} MiB`;
  });
  lines.push('');
  lines.push(`Peak RSS of the server process: ${targets.map((t, i) => `${t} ${rss[i]}`).join(', ')}.`);

  for (const count of report.sqlCounts) {
    lines.push('');
    lines.push(
      `SQL statements (${count.database}): full flow ${total(count.returningFlow)} for a returning user ` +
        `(${withoutTransactionControl(count.returningFlow)} without BEGIN/COMMIT), ${total(count.firstFlow)} for a first ` +
        `authorization with the consent page and form; per request: ` +
        count.perRequest.map((s) => `${s.step.replace(/^(GET|POST) /, '')} ${s.statements.length}`).join(', ') +
        `; and ${count.lastUseWrite.statements.length} a second per process recording the last use of every token ` +
        'used in that second. (Ory Hydra: 29 for the full flow.)',
    );
  }
  if (report.scale) {
    lines.push('');
    lines.push(
      `Scale: ${report.scale.smallTokens.toLocaleString('en-US')} vs ${report.scale.largeTokens.toLocaleString('en-US')} tokens in the store:`,
    );
    lines.push('');
    lines.push(
      table(
        ['backend', 'scenario', 'small store', 'large store', 'large / small', 'peak RSS (large)'],
        report.scale.rows.map((row) => [
          row.backend,
          SCENARIO_TITLES[row.scenario],
          `${fmtRate(row.small)} (p99 ${row.small.p99Ms ?? '-'} ms)`,
          `${fmtRate(row.large)} (p99 ${row.large.p99Ms ?? '-'} ms)`,
          fmtRatio(row.ratio),
          row.large.peakRssMiB === null ? '-' : `${row.large.peakRssMiB} MiB`,
        ]),
      ),
    );
  }
  lines.push('');
  lines.push('Targets:');
  lines.push('');
  lines.push(
    table(
      ['target', 'measured', 'met'],
      report.checks.map((c) => [c.target, c.measured, c.met === null ? 'not measured' : c.met ? 'yes' : '**no**']),
    ),
  );
  if (report.skipped.length > 0) {
    lines.push('');
    for (const s of report.skipped) lines.push(`Skipped ${s.target}: ${s.reason}`);
  }
  return lines.join('\n');
}
