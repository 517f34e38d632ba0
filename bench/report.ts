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
  /** Driver processes per run (the connections split among them). */
  drivers: number;
  /** The load generator of the scenarios of one request each. */
  engine: 'raw' | 'autocannon';
  /** One latency kept in this many. */
  latencySampleEvery: number;
  /** Clock ticks per second of /proc/PID/stat. */
  clockTicks: number;
  /** The older compiled tree the @base targets ran from (--baseline). */
  baseline?: string;
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
  /**
   * Mean over the passing runs of the target's CPU time per request (µs), from /proc/PID/stat: the server
   * process's, plus on PostgreSQL its sessions' server processes' (databaseCpuUsPerRequest).
   */
  cpuUsPerRequest: number | null;
  /** PostgreSQL: the part of cpuUsPerRequest spent by the database's server processes. */
  databaseCpuUsPerRequest: number | null;
  /** Mean over the passing runs of the server's CPU use in the window, in cores (1: one core all the time). */
  serverCores: number | null;
  /** Mean over the passing runs of the load driver's own CPU use, in cores (every driver process summed). */
  driverCores: number | null;
  /** Mean over the passing runs of the load driver's CPU time per request (µs). */
  driverCpuUsPerRequest: number | null;
  peakRssMiB: number | null;
  failures: string[];
}

/** A Monban target's figures over the others', per scenario: rates, and CPU time per request (the headline). */
export interface RatioRow {
  scenario: Scenario;
  target: string;
  /** Rate over the limit's, and over oidc-provider's (higher is better). */
  toLimit: number | null;
  toOidcProvider: number | null;
  /** Server CPU per request over the limit's, limit-plugins', oidc-provider's (lower is better). */
  cpuToLimit: number | null;
  cpuToLimitPlugins: number | null;
  cpuToOidcProvider: number | null;
  /** With --baseline, for a current target: CPU per request and rate over its @base twin's. */
  cpuToBase?: number | null;
  rateToBase?: number | null;
}

/** The saturation check: the bare limit at the settings' connections and at twice as many, run after run. */
export interface SaturationRow {
  scenario: Scenario;
  target: string;
  connections: number;
  single: Cell;
  doubled: Cell;
  /** doubled rate / single rate: near 1 when the driver does not cap the limit. */
  rateRatio: number | null;
}

/** One limit-plugins target: its CPU per request, and what its plugins add to the bare limit's. */
export interface PlumbingRow {
  scenario: Scenario;
  target: string;
  plugins: string;
  cpuUsPerRequest: number | null;
  /** cpuUsPerRequest minus the bare limit's, in µs. */
  extraCpuUsPerRequest: number | null;
  rateToLimit: number | null;
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
  ratios: RatioRow[];
  saturation: SaturationRow[];
  plumbing: PlumbingRow[];
  sqlCounts: SqlCount[];
  sqlCountErrors: string[];
  scale: { smallTokens: number; largeTokens: number; rows: ScaleRow[] } | null;
  profiles: { target: string; scenario: Scenario; summary: ProfileSummary }[];
  checks: Check[];
}

const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const round = (n: number | null, digits = 2) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

/** The mean of a figure over runs, when every run has it. */
function meanOf(runs: DriverResult[], pick: (r: DriverResult) => number | null | undefined, digits: number): number | null {
  const values = runs.map(pick);
  if (values.length === 0 || values.some((v) => v == null)) return null;
  return round(mean(values as number[]), digits);
}

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
    cpuUsPerRequest: meanOf(passing, (r) => r.serverCpuUsPerRequest, 1),
    databaseCpuUsPerRequest: meanOf(passing, (r) => r.databaseCpuUsPerRequest, 1),
    serverCores: meanOf(passing, (r) => r.serverCpu?.cores, 3),
    driverCores: meanOf(passing, (r) => r.driverCpu?.cores, 3),
    driverCpuUsPerRequest: meanOf(passing, (r) => r.driverCpu?.usPerRequest, 1),
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
const fmtRatio = (r: number | null | undefined) => (r == null ? '-' : `${r.toFixed(2)}x`);
const fmtCpu = (c: Cell | undefined) =>
  !c || c.rate === null || c.cpuUsPerRequest === null
    ? '-'
    : `${Math.round(c.cpuUsPerRequest)} µs${c.databaseCpuUsPerRequest === null ? '' : ` (PostgreSQL ${Math.round(c.databaseCpuUsPerRequest)} µs)`}`;
const fmtRateCpu = (c: Cell | undefined) => (!c || c.rate === null ? fmtRate(c) : `${fmtRate(c)}/s, ${fmtCpu(c)}`);
const fmtCores = (n: number | null | undefined) => (n == null ? '-' : n.toFixed(2));

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
  const atMost = (label: string, value: number | null | undefined, max: number) =>
    out.push({
      target: label,
      measured: value == null ? 'not measured' : `${value.toFixed(2)}x`,
      met: value == null ? null : value <= max,
    });
  atMost("server CPU per whoami on SQLite <= 1.3x the limit's", r('whoami', 'monban-sqlite')?.cpuToLimit, 1.3);
  atLeast("whoami on SQLite >= 1x oidc-provider's bearer check", r('whoami', 'monban-sqlite')?.toOidcProvider, 1);
  atLeast('whoami on SQLite >= 0.8x the limit', r('whoami', 'monban-sqlite')?.toLimit, 0.8);
  atLeast('whoami on PostgreSQL >= 0.5x the limit', r('whoami', 'monban-postgres')?.toLimit, 0.5);
  atLeast('refresh on SQLite >= 2.5x oidc-provider', r('refresh', 'monban-sqlite')?.toOidcProvider, 2.5);
  atLeast('refresh on PostgreSQL >= 1x oidc-provider', r('refresh', 'monban-postgres')?.toOidcProvider, 1);
  atLeast('client_credentials on SQLite >= 2x oidc-provider', r('client_credentials', 'monban-sqlite')?.toOidcProvider, 2);
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
    `Settings: ${settings.connections} connections${settings.drivers > 1 ? ` from ${settings.drivers} driver processes` : ''} ` +
      `(load generator: ${settings.engine === 'raw' ? 'bench/raw-load.ts' : 'autocannon'}; the flow and user_rates writes: autocannon), ` +
      `${settings.durationS} s per run after ${settings.warmupS} s of warm-up, ` +
      `mean of ${settings.runs} run(s); ${settings.residentTokens.toLocaleString('en-US')} resident tokens, ${settings.users.toLocaleString('en-US')} users` +
      `${settings.baseline ? `; baseline (@base) from ${settings.baseline}` : ''}.`,
  );
  if (monbans.length > 0) {
    const hasBase = report.ratios.some((r) => r.cpuToBase !== undefined);
    lines.push('');
    lines.push(
      'Server CPU time per request, Monban over the others (the headline: lower is better, 1.00x is as cheap as the ' +
        'other; from /proc/PID/stat over the measured window):',
    );
    lines.push('');
    lines.push(
      table(
        [
          'scenario',
          ...monbans.flatMap((m) => [
            `${m} / limit`,
            `${m} / limit-plugins`,
            `${m} / oidc-provider`,
            ...(hasBase && !m.includes('@') ? [`${m} / ${m}@base`] : []),
          ]),
        ],
        scenarios.map((s) => [
          SCENARIO_TITLES[s],
          ...monbans.flatMap((m) => {
            const r = report.ratios.find((x) => x.scenario === s && x.target === m);
            return [
              fmtRatio(r?.cpuToLimit),
              fmtRatio(r?.cpuToLimitPlugins),
              fmtRatio(r?.cpuToOidcProvider),
              ...(hasBase && !m.includes('@') ? [fmtRatio(r?.cpuToBase)] : []),
            ];
          }),
        ]),
      ),
    );
  }
  lines.push('');
  lines.push(
    'Requests per second (flow: complete flows per second) and the CPU time per request of the server process ' +
      '(on PostgreSQL, plus its sessions\' server processes):',
  );
  lines.push('');
  lines.push(
    table(
      ['scenario', ...targets],
      scenarios.map((s) => [SCENARIO_TITLES[s], ...targets.map((t) => fmtRateCpu(cell(s, t)))]),
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
    lines.push('Ratios of rates (Monban / the limit, Monban / oidc-provider; higher is better):');
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
  lines.push('');
  lines.push(
    'CPU in use during the measured window, in cores (server / load driver): a driver near 1.00 is saturated, and ' +
      'then the rate is the driver\'s, not the server\'s:',
  );
  lines.push('');
  lines.push(
    table(
      ['scenario', ...targets],
      scenarios.map((s) => [
        SCENARIO_TITLES[s],
        ...targets.map((t) => {
          const c = cell(s, t);
          return !c || c.rate === null ? '-' : `${fmtCores(c.serverCores)} / ${fmtCores(c.driverCores)}`;
        }),
      ]),
    ),
  );
  if (report.saturation.length > 0) {
    lines.push('');
    lines.push('Load driver check: the limit at the settings\' connections and at twice as many, run after run:');
    lines.push('');
    lines.push(
      table(
        ['scenario', 'target', 'connections', 'rate, server CPU/request', 'driver cores, CPU/request', 'twice the connections', 'driver cores, CPU/request', 'rate ratio'],
        report.saturation.map((row) => [
          SCENARIO_TITLES[row.scenario],
          row.target,
          `${row.connections} / ${row.connections * 2}`,
          fmtRateCpu(row.single),
          `${fmtCores(row.single.driverCores)}, ${row.single.driverCpuUsPerRequest ?? '-'} µs`,
          fmtRateCpu(row.doubled),
          `${fmtCores(row.doubled.driverCores)}, ${row.doubled.driverCpuUsPerRequest ?? '-'} µs`,
          fmtRatio(row.rateRatio),
        ]),
      ),
    );
  }
  if (report.plumbing.length > 0) {
    lines.push('');
    lines.push('Per-request plumbing: the limit with plugins, CPU per request and what the plugins add to the bare limit\'s:');
    lines.push('');
    lines.push(
      table(
        ['scenario', 'plugins', 'CPU/request', 'added to the limit\'s', 'rate / limit'],
        report.plumbing.map((row) => [
          SCENARIO_TITLES[row.scenario],
          row.plugins,
          row.cpuUsPerRequest === null ? '-' : `${Math.round(row.cpuUsPerRequest)} µs`,
          row.extraCpuUsPerRequest === null ? '-' : `${row.extraCpuUsPerRequest >= 0 ? '+' : ''}${row.extraCpuUsPerRequest.toFixed(1)} µs`,
          fmtRatio(row.rateToLimit),
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
          `${fmtRateCpu(row.small)} (p99 ${row.small.p99Ms ?? '-'} ms)`,
          `${fmtRateCpu(row.large)} (p99 ${row.large.p99Ms ?? '-'} ms)`,
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
