/**
 * `npm run bench`: Monban's performance, measured against the physical limit and a peer in the same run on the same
 * machine, so that the figures are ratios that hold when the machine's speed drifts. See docs/benchmarks.md.
 *
 *   npm run bench                      every scenario, every target, 50 connections, 10 s per run after 2 s warm-up
 *   npm run bench -- --quick           3 s runs after 1 s warm-up, one run (to check the harness)
 *   npm run bench -- --scale           also scenarios 1 and 2 with 10 thousand and 10 million tokens in the store
 *   npm run bench -- --scale-only      only the scale runs
 *   npm run bench -- --profile         Monban under `node --cpu-prof`, one profile per scenario, summarized
 *   --runs N --duration S --warmup S --connections N --targets a,b --scenarios a,b --scale-tokens N --pool-rate N
 *   --baseline DIR                     also Monban from another compiled tree (DIR/dist/src/cli/main.js: a `git
 *                                      archive` of an older commit, node_modules linked, compiled), as the targets
 *                                      monban-sqlite@base and monban-postgres@base, for a before/after in one run
 *   --limit-plugins SETS               the limit-plugins targets: plugin lists separated by `/`, each a target of its
 *                                      own (`all` or empty: every plugin Monban has; bench/targets/limit-plugins.ts),
 *                                      e.g. `all/ratelimit/metrics/requestid/helmet-all` to cost each one
 *                                      alone, or `all/-ratelimit/-metrics` to cost each as what leaving it out saves
 *   --saturation                       also run the limit with twice the connections, to show whether the load
 *                                      driver caps it (the report's "Load driver" table)
 *   --drivers N                        split the connections over N driver processes (default 1)
 *   --engine raw|autocannon            the load generator of the scenarios of one request each (default raw:
 *                                      bench/raw-load.ts; the flow and the user_rates writes use autocannon)
 *   --latency-sample N                 keep one latency in N (default 1: all)
 *
 * Each target runs in its own process on 127.0.0.1; the load comes from autocannon in another process
 * (bench/driver.ts), which also reads the server's CPU time (/proc/PID/stat) and its own over the measured window:
 * the report gives each target's server CPU time per request next to its rate, and the ratios of CPU per request
 * are its headline figures (a rate depends on the load driver and on what else runs on the machine; the CPU a
 * request costs the server much less). For every scenario each target is started afresh on a freshly seeded store, and the runs of
 * the targets are interleaved (run 1 of every target, then run 2, ...), so that a change of the machine's speed
 * during the benchmark touches them all alike. A run with any unexpected answer is reported as failed and left out
 * of the mean.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PRIMING_PER_CONNECTION } from './driver.js';
import {
  MONBAN_ONLY_SCENARIOS,
  SCENARIOS,
  type DriverResult,
  type DriverSpec,
  type Scenario,
  type SeedPlan,
} from './common.js';
import { describeProfile, summarizeProfile } from './profile.js';
import {
  cellOf,
  checks,
  markdown,
  ratio,
  type Cell,
  type Machine,
  type PlumbingRow,
  type RatioRow,
  type Report,
  type ScaleRow,
  type Settings,
} from './report.js';
import { createPostgresDatabase, dropPostgresDatabase, postgresReachable, seedPostgres, seedSqlite, withDatabase } from './seed.js';
import { countStatements, describeCount, type SqlCount } from './sql-count.js';
import {
  isLimit,
  killAll,
  startTarget,
  TARGET_KINDS,
  TARGET_TITLES,
  tokenParams,
  type Environment,
  type Instance,
  type TargetKind,
} from './targets/index.js';

const USERS = 10_000;
const RESIDENT = 10_000;

function engineOf(raw: string | undefined): 'raw' | 'autocannon' {
  if (raw === 'raw' || raw === 'autocannon') return raw;
  throw new Error(`--engine must be raw or autocannon, got ${raw}`);
}

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      'scale-only': { type: 'boolean', default: false },
      'scale-tokens': { type: 'string' },
      profile: { type: 'boolean', default: false },
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      targets: { type: 'string' },
      scenarios: { type: 'string' },
      'pool-rate': { type: 'string' },
      'no-sql-count': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'limit-plugins': { type: 'string' },
      saturation: { type: 'boolean', default: false },
      drivers: { type: 'string' },
      engine: { type: 'string', default: 'raw' },
      'latency-sample': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const number = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
    return n;
  };
  const list = <T extends string>(name: string, raw: string | undefined, all: readonly T[]): T[] => {
    if (raw === undefined) return [...all];
    const picked = raw.split(',').map((s) => s.trim());
    for (const p of picked) if (!all.includes(p as T)) throw new Error(`--${name}: unknown ${p} (one of ${all.join(', ')})`);
    return all.filter((a) => picked.includes(a));
  };
  return {
    quick: values.quick,
    scale: values.scale || values['scale-only'],
    main: !values['scale-only'],
    scaleTokens: number('scale-tokens', values['scale-tokens'], 10_000_000),
    profile: values.profile,
    runs: number('runs', values.runs, values.quick ? 1 : 3),
    durationS: number('duration', values.duration, values.quick ? 3 : 10),
    warmupS: number('warmup', values.warmup, values.quick ? 1 : 2),
    connections: number('connections', values.connections, 50),
    targets: list('targets', values.targets, TARGET_KINDS),
    scenarios: list('scenarios', values.scenarios, SCENARIOS),
    poolRate: number('pool-rate', values['pool-rate'], 15_000),
    sqlCount: !values['no-sql-count'],
    baseline: values.baseline,
    limitPlugins: (values['limit-plugins'] ?? 'all').split('/').map((set) => set.trim()),
    saturation: values.saturation,
    drivers: Math.round(number('drivers', values.drivers, 1)),
    engine: engineOf(values.engine),
    latencySample: Math.round(number('latency-sample', values['latency-sample'], 1)),
    out: values.out ?? 'bench/results/latest.json',
  };
}

type Options = ReturnType<typeof options>;

/** One target of the run: its kind, its unique name, and what sets it apart from others of its kind. */
interface TargetSpec {
  kind: TargetKind;
  name: string;
  monbanDist?: { distDir: string; schemaKey: string };
  plugins?: string;
}

/** The targets of the run, in the report's order: each kind, Monban's @base twins, one limit-plugins per set. */
function targetSpecs(opts: Options, base: { distDir: string; schemaKey: string } | undefined): TargetSpec[] {
  const out: TargetSpec[] = [];
  for (const kind of opts.targets) {
    if (kind === 'limit-plugins') {
      for (const set of opts.limitPlugins) {
        const all = set === '' || set === 'all';
        out.push({ kind, name: all ? kind : `${kind}:${set}`, plugins: all ? '' : set });
      }
      continue;
    }
    out.push({ kind, name: kind });
    if (base && kind.startsWith('monban')) out.push({ kind, name: `${kind}@base`, monbanDist: base });
  }
  return out;
}

/** Clock ticks per second of /proc/PID/stat (`getconf CLK_TCK`; 100 on Linux when it cannot be asked). */
function clockTicks(): number {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(result.stdout?.trim());
  return result.status === 0 && Number.isFinite(n) && n > 0 ? n : 100;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

function machine(postgres: string | null): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux: os.cpus() said it
  }
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    postgres,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    commit: git.status === 0 ? git.stdout.trim() : null,
    date: new Date().toISOString(),
  };
}

/** A key that changes with Monban's migrations, so that cached seeded files follow the schema. */
function schemaKey(distDir: string): string {
  const dir = join(distDir, 'src/storage/migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    hash.update(file).update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fresh secrets a run may spend: per second of load (the limit is allowed twice as many), and the priming. */
function perRun(kind: TargetKind, opts: Options): number {
  const priming = opts.connections * PRIMING_PER_CONNECTION * (opts.saturation ? 2 : 1);
  return Math.ceil(opts.poolRate * (isLimit(kind) ? 2 : 1) * (opts.durationS + opts.warmupS)) + priming;
}

/** Runs of each limit: twice as many with --saturation (each run again with twice the connections). */
const runsOf = (kind: TargetKind, opts: Options) => opts.runs * (opts.saturation && kind === 'limit' ? 2 : 1);

function planFor(kind: TargetKind, scenarios: Scenario[], resident: number, opts: Options): SeedPlan {
  const pool = perRun(kind, opts) * runsOf(kind, opts);
  return {
    users: Math.min(USERS, Math.max(2, resident)),
    resident,
    refreshPool: scenarios.includes('refresh') ? pool : 0,
    codePool: scenarios.includes('code') ? pool : 0,
  };
}

function runDriver(env: Environment, spec: DriverSpec, specPath: string): Promise<DriverResult> {
  writeFileSync(specPath, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(env.distDir, 'bench/driver.js'), specPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (spec.durationS + spec.warmupS + 120) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop();
      if (code !== 0 || !last) return reject(new Error(`driver failed (${code}): ${stderr.trim().slice(-1000)}`));
      resolve(JSON.parse(last) as DriverResult);
    });
  });
}

/** Percentile of a sorted list, as the driver computes it. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The results of several driver processes that loaded one target together, as one: answers and rates summed,
 * latencies merged from their samples, the server's CPU as the first driver read it, the drivers' CPU summed.
 */
function mergeResults(parts: DriverResult[]): DriverResult {
  const [first] = parts;
  if (!first) throw new Error('no driver result to merge');
  if (parts.length === 1) {
    const { latencySamples: _dropped, ...only } = first;
    return only;
  }
  const completed = parts.reduce((a, r) => a + r.completed, 0);
  const durationS = Math.max(...parts.map((r) => r.durationS));
  const rate = round(parts.reduce((a, r) => a + r.rate, 0), 1);
  const latencies = Float64Array.from(parts.flatMap((r) => r.latencySamples ?? [])).sort();
  const list = Array.from(latencies);
  const mean = list.length === 0 ? NaN : list.reduce((a, b) => a + b, 0) / list.length;
  const failures = parts.map((r) => r.failure).filter((f): f is string => f !== null);
  const serverCpu = first.serverCpu ?? null;
  const databaseCpu = first.databaseCpu ?? null;
  const targetCores = serverCpu ? serverCpu.cores + (databaseCpu?.cores ?? 0) : null;
  const driverCpus = parts.map((r) => r.driverCpu).filter((c): c is NonNullable<typeof c> => c != null);
  const seconds = Math.max(...parts.map((r) => r.maxLatencyBySecondMs.length));
  return {
    target: first.target,
    scenario: first.scenario,
    completed,
    durationS,
    rate,
    latencyMs: {
      p50: round(percentile(list, 50), 3),
      p90: round(percentile(list, 90), 3),
      p99: round(percentile(list, 99), 3),
      mean: round(mean, 3),
      max: round(list[list.length - 1] ?? NaN, 3),
    },
    unexpected: parts.reduce((a, r) => a + r.unexpected, 0),
    errors: parts.reduce((a, r) => a + r.errors, 0),
    timeouts: parts.reduce((a, r) => a + r.timeouts, 0),
    samples: parts.flatMap((r) => r.samples).slice(0, 5),
    maxLatencyBySecondMs: Array.from({ length: seconds }, (_, i) => Math.max(...parts.map((r) => r.maxLatencyBySecondMs[i] ?? 0))),
    failure: failures.length === 0 ? null : failures.join('; '),
    serverCpu,
    // The server's CPU over its window, per request answered at the summed rate over that window.
    serverCpuUsPerRequest: targetCores !== null && rate > 0 ? round((targetCores * 1e6) / rate, 1) : null,
    ...(databaseCpu
      ? { databaseCpu, databaseCpuUsPerRequest: rate > 0 ? round((databaseCpu.cores * 1e6) / rate, 1) : null }
      : {}),
    driverCpu:
      driverCpus.length === parts.length
        ? {
            us: driverCpus.reduce((a, c) => a + c.us, 0),
            cores: round(driverCpus.reduce((a, c) => a + c.cores, 0), 3),
            systemUs: driverCpus.reduce((a, c) => a + (c.systemUs ?? 0), 0),
            ...(completed > 0 ? { usPerRequest: round(driverCpus.reduce((a, c) => a + c.us, 0) / completed, 1) } : {}),
          }
        : null,
    drivers: parts.length,
    ...(first.engine ? { engine: first.engine } : {}),
    connections: parts.reduce((a, r) => a + (r.connections ?? 0), 0),
  };
}

/** The connections of each of `drivers` driver processes, as even as they split. */
const split = (connections: number, drivers: number) =>
  Array.from({ length: drivers }, (_, i) => Math.floor(connections / drivers) + (i < connections % drivers ? 1 : 0)).filter((c) => c > 0);

/**
 * One measured run of one scenario against one instance; a driver that breaks is a failed run. `connections`
 * defaults to the settings' (the saturation check passes twice as many).
 */
async function measure(
  env: Environment,
  opts: Options,
  instance: Instance,
  scenario: Scenario,
  run: number,
  secrets: string[],
  connections = opts.connections,
) {
  const resident = scenario === 'whoami' || scenario === 'userinfo' || scenario === 'user-rates-write';
  const spec: DriverSpec = {
    target: instance.name,
    scenario,
    baseUrl: instance.baseUrl,
    connections,
    durationS: opts.durationS,
    warmupS: opts.warmupS,
    reuseSecrets: resident,
    whoamiPath: scenario === 'userinfo' ? instance.userinfoPath : instance.whoamiPath,
    tokenPath: instance.tokenPath,
    tokenParams: tokenParams(scenario),
    clockTicks: env.clockTicks,
    latencySampleEvery: opts.latencySample,
    engine: opts.engine,
    ...(instance.process.pid !== undefined ? { serverPid: instance.process.pid } : {}),
  };
  if (instance.database) spec.database = instance.database;
  const safeName = instance.name.replace(/[^a-z0-9]+/gi, '_');
  let slices: string[][] | undefined;
  if (resident || scenario === 'refresh' || scenario === 'code') {
    const per = perRun(instance.kind, opts);
    const slice = resident ? secrets : secrets.slice(run * per, (run + 1) * per);
    // Several drivers: each its own share of a list spent once, all of a list that may be reused (its own order).
    const drivers = split(connections, opts.drivers).length;
    slices = Array.from({ length: drivers }, (_, i) =>
      resident ? [...slice.slice((i * slice.length) / drivers), ...slice.slice(0, (i * slice.length) / drivers)] : slice.filter((_, j) => j % drivers === i),
    );
  }
  if (scenario === 'flow') {
    spec.authorizeUrl = instance.authorizeUrl;
    if (instance.cookie !== undefined) spec.cookie = instance.cookie;
  }
  const shares = split(connections, opts.drivers);
  const specs = shares.map((c, i): DriverSpec => {
    const own: DriverSpec = { ...spec, connections: c, readServerCpu: i === 0, keepLatencies: shares.length > 1 };
    const list = slices?.[i];
    if (list) {
      own.secretsFile = join(env.runDir, `secrets-${safeName}-${scenario}-${i}.txt`);
      writeFileSync(own.secretsFile, `${list.join('\n')}\n`);
    }
    return own;
  });
  let result: DriverResult;
  try {
    const parts = await Promise.all(specs.map((s, i) => runDriver(env, s, join(env.runDir, `spec-${i}.json`))));
    result = mergeResults(parts);
  } catch (err) {
    result = {
      target: instance.name,
      scenario,
      completed: 0,
      durationS: 0,
      rate: 0,
      latencyMs: { p50: NaN, p90: NaN, p99: NaN, mean: NaN, max: NaN },
      unexpected: 0,
      errors: 0,
      timeouts: 0,
      samples: [],
      maxLatencyBySecondMs: [],
      failure: err instanceof Error ? err.message : String(err),
    };
  }
  const cpu =
    result.serverCpuUsPerRequest == null
      ? ''
      : `, server ${result.serverCpuUsPerRequest} us CPU/req (${result.serverCpu?.cores} cores, ` +
        `${Math.round((100 * (result.serverCpu?.systemUs ?? 0)) / Math.max(1, result.serverCpu?.us ?? 0))}% system` +
        `${result.databaseCpu ? `; of which PostgreSQL ${result.databaseCpuUsPerRequest} us, ${result.databaseCpu.cores} cores` : ''})`;
  const driver = result.driverCpu
    ? `, driver ${result.driverCpu.cores} cores (${result.driverCpu.usPerRequest ?? '-'} us/req, ` +
      `${Math.round((100 * (result.driverCpu.systemUs ?? 0)) / Math.max(1, result.driverCpu.us))}% system, ${result.engine ?? '?'})`
    : '';
  say(
    `  ${scenario} run ${run + 1} ${instance.name}${connections === opts.connections ? '' : ` at ${connections} connections`}: ` +
      `${result.rate.toFixed(0)}/s${cpu}${driver}, p50 ${result.latencyMs.p50} ms, ` +
      `p99 ${result.latencyMs.p99} ms, slowest by second [${result.maxLatencyBySecondMs.join(' ')}]${result.failure ? `  FAILED: ${result.failure} ${result.samples.slice(0, 2).join(' || ')}` : ''}`,
  );
  return result;
}

interface Started {
  instance: Instance;
  secrets: Map<Scenario, string[]>;
  results: Map<Scenario, DriverResult[]>;
  /** The saturation check's runs (the bare limit at twice the connections). */
  doubled: Map<Scenario, DriverResult[]>;
  instanceId: string;
}

async function startAll(
  env: Environment,
  wanted: (TargetSpec & { plan: SeedPlan; instanceId: string })[],
  scenarios: Scenario[],
  skipped: Map<string, string>,
): Promise<Started[]> {
  const started: Started[] = [];
  for (const w of wanted) {
    if (skipped.has(w.name)) continue;
    const t0 = Date.now();
    try {
      const instance = await startTarget(env, { ...w, port: await freePort() });
      const secrets = new Map(scenarios.map((s) => [s, instance.secrets(s)] as const));
      started.push({ instance, secrets, results: new Map(), doubled: new Map(), instanceId: w.instanceId });
      say(`  started ${w.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      say(`  SKIPPED ${w.name}: ${reason}`);
      skipped.set(w.name, reason);
    }
  }
  return started;
}

async function measureAll(env: Environment, opts: Options, started: Started[], scenarios: Scenario[]): Promise<void> {
  for (const scenario of scenarios) {
    for (let run = 0; run < opts.runs; run++) {
      for (const s of started) {
        const result = await measure(env, opts, s.instance, scenario, run, s.secrets.get(scenario) ?? []);
        s.results.set(scenario, [...(s.results.get(scenario) ?? []), result]);
        if (opts.saturation && s.instance.kind === 'limit') {
          // The same limit with twice the connections, right after: a driver that caps the limit shows here.
          const doubled = await measure(env, opts, s.instance, scenario, opts.runs + run, s.secrets.get(scenario) ?? [], opts.connections * 2);
          s.doubled.set(scenario, [...(s.doubled.get(scenario) ?? []), doubled]);
        }
      }
    }
  }
}

async function stopAll(env: Environment, started: Started[], scenarios: Scenario[], report: Report): Promise<Map<string, number | null>> {
  const rss = new Map<string, number | null>();
  for (const s of started) {
    rss.set(s.instance.name, s.instance.peakRssMiB());
    await s.instance.stop();
    const profile = env.profileDir ? join(env.profileDir, `${s.instanceId}.cpuprofile`) : undefined;
    if (profile && existsSync(profile)) {
      const summary = summarizeProfile(profile);
      for (const scenario of scenarios) report.profiles.push({ target: s.instance.name, scenario, summary });
    }
  }
  return rss;
}

async function sqlCounts(env: Environment, opts: Options, postgres: string | null, report: Report): Promise<void> {
  const plan: SeedPlan = { users: 10, resident: 1, refreshPool: 1, codePool: 1 };
  const cli = [join(env.distDir, 'src/cli/main.js')];
  if (opts.targets.includes('monban-sqlite')) {
    try {
      const path = join(env.runDir, 'sql-count.sqlite3');
      seedSqlite(cli, env.cacheDir, path, plan, env.schemaKey);
      report.sqlCounts.push(await countStatements(path));
    } catch (err) {
      report.sqlCountErrors.push(`sqlite: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (opts.targets.includes('monban-postgres') && postgres) {
    const database = 'monban_bench_sql_count';
    try {
      await createPostgresDatabase(env.postgresUrl, database);
      const url = withDatabase(env.postgresUrl, database);
      await seedPostgres(cli, url, plan);
      report.sqlCounts.push(await countStatements(url));
    } catch (err) {
      report.sqlCountErrors.push(`postgres: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await dropPostgresDatabase(env.postgresUrl, database).catch(() => undefined);
    }
  }
}

function titleOf(t: TargetSpec): string {
  if (t.monbanDist) return `${TARGET_TITLES[t.kind]}, from ${dirname(t.monbanDist.distDir)}`;
  if (t.kind === 'limit-plugins') return `${TARGET_TITLES[t.kind]} (${t.plugins === '' || t.plugins === undefined ? 'all' : t.plugins})`;
  return TARGET_TITLES[t.kind];
}

/** A Monban target's ratios to the limit, the peer and (for a current target) its @base twin. */
function ratiosOf(scenario: Scenario, target: string, cell: (target: string) => Cell | undefined): RatioRow {
  const own = cell(target);
  const row: RatioRow = {
    scenario,
    target,
    toLimit: ratio(own?.rate, cell('limit')?.rate),
    toOidcProvider: ratio(own?.rate, cell('oidc-provider')?.rate),
    cpuToLimit: ratio(own?.cpuUsPerRequest, cell('limit')?.cpuUsPerRequest),
    cpuToLimitPlugins: ratio(own?.cpuUsPerRequest, cell('limit-plugins')?.cpuUsPerRequest),
    cpuToOidcProvider: ratio(own?.cpuUsPerRequest, cell('oidc-provider')?.cpuUsPerRequest),
  };
  const baseCell = target.includes('@') ? undefined : cell(`${target}@base`);
  if (baseCell) {
    row.cpuToBase = ratio(own?.cpuUsPerRequest, baseCell.cpuUsPerRequest);
    row.rateToBase = ratio(own?.rate, baseCell.rate);
  }
  return row;
}

/** What each limit-plugins target's plugins cost: its CPU per request over the bare limit's. */
function plumbingOf(scenario: Scenario, names: string[], cell: (target: string) => Cell | undefined): PlumbingRow[] {
  const bare = cell('limit');
  return names
    .filter((n) => n.startsWith('limit-plugins'))
    .flatMap((n): PlumbingRow[] => {
      const c = cell(n);
      if (!c) return [];
      const extra = c.cpuUsPerRequest != null && bare?.cpuUsPerRequest != null ? c.cpuUsPerRequest - bare.cpuUsPerRequest : null;
      return [
        {
          scenario,
          target: n,
          plugins: n === 'limit-plugins' ? 'all' : n.slice('limit-plugins:'.length),
          cpuUsPerRequest: c.cpuUsPerRequest,
          extraCpuUsPerRequest: extra === null ? null : Math.round(extra * 10) / 10,
          rateToLimit: ratio(c.rate, bare?.rate),
        },
      ];
    });
}

async function main(): Promise<void> {
  const opts = options();
  const distDir = dirname(dirname(fileURLToPath(import.meta.url)));
  const cacheDir = join(process.cwd(), 'bench/.cache');
  const runDir = join(cacheDir, 'run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const profileDir = opts.profile ? join(process.cwd(), 'bench/results/profiles') : undefined;
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const env: Environment = {
    distDir,
    cacheDir,
    runDir,
    postgresUrl: process.env.MONBAN_BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    schemaKey: schemaKey(distDir),
    clockTicks: clockTicks(),
    ...(profileDir ? { profileDir } : {}),
  };
  let base: { distDir: string; schemaKey: string } | undefined;
  if (opts.baseline !== undefined) {
    const baseDist = join(resolve(opts.baseline), 'dist');
    if (!existsSync(join(baseDist, 'src/cli/main.js'))) {
      throw new Error(`--baseline ${opts.baseline}: no ${join(baseDist, 'src/cli/main.js')} (compile that tree first)`);
    }
    base = { distDir: baseDist, schemaKey: schemaKey(baseDist) };
  }
  const specs = targetSpecs(opts, base);
  const names = specs.map((t) => t.name);

  // Seeded SQLite files of an older schema are never used again.
  if (existsSync(cacheDir)) {
    for (const file of readdirSync(cacheDir)) {
      const current = [env.schemaKey, base?.schemaKey].some((key) => key !== undefined && file.includes(`-${key}-`));
      if (file.startsWith('sqlite-base-') && !current) rmSync(join(cacheDir, file), { force: true });
    }
  }

  const skipped = new Map<string, string>();
  let postgres: string | null = null;
  if (opts.targets.includes('monban-postgres')) {
    postgres = await postgresReachable(env.postgresUrl);
    if (!postgres) {
      const reason = `no PostgreSQL answers at MONBAN_BENCH_POSTGRES_URL (${env.postgresUrl.replace(/:[^:@/]*@/, ':***@')})`;
      say(`NOTICE: skipping Monban on PostgreSQL: ${reason}`);
      for (const name of ['monban-postgres', 'monban-postgres@base', 'monban-postgres@small', 'monban-postgres@large']) {
        skipped.set(name, reason);
      }
    }
  }

  const settings: Settings = {
    connections: opts.connections,
    durationS: opts.durationS,
    warmupS: opts.warmupS,
    runs: opts.runs,
    poolRate: opts.poolRate,
    residentTokens: RESIDENT,
    users: USERS,
    drivers: opts.drivers,
    engine: opts.engine,
    latencySampleEvery: opts.latencySample,
    clockTicks: env.clockTicks,
    ...(opts.baseline !== undefined ? { baseline: resolve(opts.baseline) } : {}),
  };
  const report: Report = {
    machine: machine(postgres),
    settings,
    skipped: [],
    cells: [],
    ratios: [],
    saturation: [],
    plumbing: [],
    sqlCounts: [],
    sqlCountErrors: [],
    scale: null,
    profiles: [],
    checks: [],
  };
  say(`monban bench: ${report.machine.cpus} CPUs, ${report.machine.cpuModel}, load ${report.machine.loadAverageAtStart.join(' ')}`);

  if (opts.sqlCount) {
    say('counting SQL statements');
    await sqlCounts(env, opts, postgres, report);
    for (const count of report.sqlCounts) say(describeCount(count));
    for (const e of report.sqlCountErrors) say(`  SQL count failed: ${e}`);
  }

  if (opts.main) {
    for (const scenario of opts.scenarios) {
      say(`scenario ${scenario}`);
      // The limit and the peer have no user_rates API: Monban's own scenarios run on Monban only.
      // Userinfo is oidc-provider's; Monban answers it with whoami, in the same rounds, and the limits sit it out.
      const kinds = MONBAN_ONLY_SCENARIOS.includes(scenario)
        ? specs.filter((t) => t.kind.startsWith('monban'))
        : scenario === 'userinfo'
          ? specs.filter((t) => !isLimit(t.kind))
          : specs;
      const wanted = kinds.map((t) => ({
        ...t,
        plan: planFor(t.kind, [scenario], RESIDENT, opts),
        instanceId: `${t.name.replace(/[^a-z0-9-]+/gi, '_')}-${scenario}`,
      }));
      const started = await startAll(env, wanted, [scenario], skipped);
      try {
        await measureAll(env, opts, started, [scenario]);
      } finally {
        const rss = await stopAll(env, started, [scenario], report);
        for (const s of started) {
          report.cells.push(cellOf(scenario, s.instance.name, s.results.get(scenario) ?? [], rss.get(s.instance.name) ?? null));
          const doubled = s.doubled.get(scenario);
          if (doubled) {
            const single = report.cells[report.cells.length - 1] as Cell;
            const twice = cellOf(scenario, s.instance.name, doubled, null);
            report.saturation.push({
              scenario,
              target: s.instance.name,
              connections: opts.connections,
              single,
              doubled: twice,
              rateRatio: ratio(twice.rate, single.rate),
            });
          }
        }
      }
      const cell = (target: string) => report.cells.find((c) => c.scenario === scenario && c.target === target);
      const show = (r: number | null) => (r === null ? '-' : `${r.toFixed(2)}x`);
      for (const target of names.filter((t) => t.startsWith('monban') && cell(t) !== undefined)) {
        const r = ratiosOf(scenario, target, cell);
        report.ratios.push(r);
        say(
          `  => ${target}: CPU/request ${show(r.cpuToLimit)} the limit's, ${show(r.cpuToOidcProvider)} oidc-provider's; ` +
            `rate ${show(r.toLimit)} the limit's, ${show(r.toOidcProvider)} oidc-provider's` +
            (r.cpuToBase !== undefined ? `; CPU/request ${show(r.cpuToBase)} and rate ${show(r.rateToBase ?? null)} the baseline's` : ''),
        );
      }
      report.plumbing.push(...plumbingOf(scenario, names, cell));
    }
  }

  if (opts.scale) {
    const scenarios = (['whoami', 'refresh'] as const).filter((s) => opts.scenarios.includes(s));
    const backends = opts.targets.filter((t): t is 'monban-sqlite' | 'monban-postgres' => t.startsWith('monban'));
    say(`scale: ${RESIDENT} vs ${opts.scaleTokens} tokens, ${backends.join(', ')}`);
    const wanted = backends.flatMap((kind): (TargetSpec & { plan: SeedPlan; instanceId: string })[] =>
      ([['small', RESIDENT], ['large', opts.scaleTokens]] as const).map(([size, resident]) => ({
        kind,
        name: `${kind}@${size}`,
        plan: planFor(kind, [...scenarios], resident, opts),
        instanceId: `${kind}-scale-${size}`,
      })),
    );
    const started = await startAll(env, wanted, [...scenarios], skipped);
    const rows: ScaleRow[] = [];
    try {
      await measureAll(env, opts, started, [...scenarios]);
    } finally {
      const rss = await stopAll(env, started, [...scenarios], report);
      const cellFor = (name: string, scenario: Scenario): Cell => {
        const s = started.find((x) => x.instance.name === name);
        return cellOf(scenario, name, s?.results.get(scenario) ?? [], rss.get(name) ?? null);
      };
      for (const kind of backends) {
        for (const scenario of scenarios) {
          if (!started.some((s) => s.instance.name.startsWith(`${kind}@`))) continue;
          const small = cellFor(`${kind}@small`, scenario);
          const large = cellFor(`${kind}@large`, scenario);
          rows.push({ backend: kind, scenario, small, large, ratio: ratio(large.rate, small.rate) });
        }
      }
    }
    report.scale = { smallTokens: RESIDENT, largeTokens: opts.scaleTokens, rows };
  }

  report.skipped = [...skipped.entries()].map(([target, reason]) => ({ target, reason }));
  report.checks = checks(report);

  const targets = names.filter((t) => report.cells.some((c) => c.target === t));
  const md = markdown(report, targets);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  const mdPath = opts.out.replace(/\.json$/, '') + '.md';
  writeFileSync(mdPath, `${md}\n`);

  const out = (s: string) => process.stdout.write(`${s}\n`);
  out('');
  out(`Targets: ${specs.filter((t) => targets.includes(t.name)).map((t) => `${t.name} = ${titleOf(t)}`).join('; ')}`);
  out('');
  out(md);
  for (const count of report.sqlCounts) {
    out('');
    out(describeCount(count));
  }
  for (const p of report.profiles) {
    out('');
    out(describeProfile(p.summary, `CPU profile: ${p.target}, ${p.scenario}`));
  }
  out('');
  out(`Written: ${opts.out}, ${mdPath}`);
}

process.once('SIGINT', () => {
  killAll();
  process.exit(130);
});
main().catch((err: unknown) => {
  killAll();
  say(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
