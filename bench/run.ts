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
 *
 * Each target runs in its own process on 127.0.0.1; the load comes from autocannon in another process
 * (bench/driver.ts). For every scenario each target is started afresh on a freshly seeded store, and the runs of
 * the targets are interleaved (run 1 of every target, then run 2, ...), so that a change of the machine's speed
 * during the benchmark touches them all alike. A run with any unexpected answer is reported as failed and left out
 * of the mean.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
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
  type Report,
  type ScaleRow,
  type Settings,
} from './report.js';
import { createPostgresDatabase, dropPostgresDatabase, postgresReachable, seedPostgres, seedSqlite, withDatabase } from './seed.js';
import { countStatements, describeCount, type SqlCount } from './sql-count.js';
import { killAll, startTarget, TARGET_KINDS, TARGET_TITLES, tokenParams, type Environment, type Instance, type TargetKind } from './targets/index.js';

const USERS = 10_000;
const RESIDENT = 10_000;

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
    out: values.out ?? 'bench/results/latest.json',
  };
}

type Options = ReturnType<typeof options>;

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
  const priming = opts.connections * PRIMING_PER_CONNECTION;
  return Math.ceil(opts.poolRate * (kind === 'limit' ? 2 : 1) * (opts.durationS + opts.warmupS)) + priming;
}

function planFor(kind: TargetKind, scenarios: Scenario[], resident: number, opts: Options): SeedPlan {
  const pool = perRun(kind, opts) * opts.runs;
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

/** One measured run of one scenario against one instance; a driver that breaks is a failed run. */
async function measure(env: Environment, opts: Options, instance: Instance, scenario: Scenario, run: number, secrets: string[]) {
  const spec: DriverSpec = {
    target: instance.name,
    scenario,
    baseUrl: instance.baseUrl,
    connections: opts.connections,
    durationS: opts.durationS,
    warmupS: opts.warmupS,
    reuseSecrets: scenario === 'whoami' || scenario === 'user-rates-write',
    whoamiPath: instance.whoamiPath,
    tokenPath: instance.tokenPath,
    tokenParams: tokenParams(scenario),
  };
  const resident = scenario === 'whoami' || scenario === 'user-rates-write';
  if (resident || scenario === 'refresh' || scenario === 'code') {
    const per = perRun(instance.kind, opts);
    const slice = resident ? secrets : secrets.slice(run * per, (run + 1) * per);
    spec.secretsFile = join(env.runDir, `secrets-${instance.name.replace(/[^a-z0-9]+/gi, '_')}-${scenario}.txt`);
    writeFileSync(spec.secretsFile, `${slice.join('\n')}\n`);
  }
  if (scenario === 'flow') {
    spec.authorizeUrl = instance.authorizeUrl;
    if (instance.cookie !== undefined) spec.cookie = instance.cookie;
  }
  let result: DriverResult;
  try {
    result = await runDriver(env, spec, join(env.runDir, 'spec.json'));
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
  say(
    `  ${scenario} run ${run + 1} ${instance.name}: ${result.rate.toFixed(0)}/s, p50 ${result.latencyMs.p50} ms, ` +
      `p99 ${result.latencyMs.p99} ms, slowest by second [${result.maxLatencyBySecondMs.join(' ')}]${result.failure ? `  FAILED: ${result.failure} ${result.samples.slice(0, 2).join(' || ')}` : ''}`,
  );
  return result;
}

interface Started {
  instance: Instance;
  secrets: Map<Scenario, string[]>;
  results: Map<Scenario, DriverResult[]>;
  instanceId: string;
}

async function startAll(
  env: Environment,
  wanted: { kind: TargetKind; name: string; plan: SeedPlan; instanceId: string }[],
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
      started.push({ instance, secrets, results: new Map(), instanceId: w.instanceId });
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
    ...(profileDir ? { profileDir } : {}),
  };

  // Seeded SQLite files of an older schema are never used again.
  if (existsSync(cacheDir)) {
    for (const file of readdirSync(cacheDir)) {
      if (file.startsWith('sqlite-base-') && !file.includes(`-${env.schemaKey}-`)) rmSync(join(cacheDir, file), { force: true });
    }
  }

  const skipped = new Map<string, string>();
  let postgres: string | null = null;
  if (opts.targets.includes('monban-postgres')) {
    postgres = await postgresReachable(env.postgresUrl);
    if (!postgres) {
      const reason = `no PostgreSQL answers at MONBAN_BENCH_POSTGRES_URL (${env.postgresUrl.replace(/:[^:@/]*@/, ':***@')})`;
      say(`NOTICE: skipping Monban on PostgreSQL: ${reason}`);
      for (const name of ['monban-postgres', 'monban-postgres@small', 'monban-postgres@large']) skipped.set(name, reason);
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
  };
  const report: Report = {
    machine: machine(postgres),
    settings,
    skipped: [],
    cells: [],
    ratios: [],
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
      const kinds = MONBAN_ONLY_SCENARIOS.includes(scenario)
        ? opts.targets.filter((kind) => kind.startsWith('monban'))
        : opts.targets;
      const wanted = kinds.map((kind) => ({
        kind,
        name: kind,
        plan: planFor(kind, [scenario], RESIDENT, opts),
        instanceId: `${kind}-${scenario}`,
      }));
      const started = await startAll(env, wanted, [scenario], skipped);
      try {
        await measureAll(env, opts, started, [scenario]);
      } finally {
        const rss = await stopAll(env, started, [scenario], report);
        for (const s of started) {
          report.cells.push(cellOf(scenario, s.instance.name, s.results.get(scenario) ?? [], rss.get(s.instance.name) ?? null));
        }
      }
      const rate = (target: string) => report.cells.find((c) => c.scenario === scenario && c.target === target)?.rate;
      for (const target of opts.targets.filter((t) => t.startsWith('monban') && rate(t) !== undefined)) {
        const show = (r: number | null) => (r === null ? '-' : `${r.toFixed(2)}x`);
        say(
          `  => ${target}: ${show(ratio(rate(target), rate('limit')))} the limit, ` +
            `${show(ratio(rate(target), rate('oidc-provider')))} oidc-provider`,
        );
      }
    }
    const cell = (scenario: Scenario, target: string) =>
      report.cells.find((c) => c.scenario === scenario && c.target === target);
    for (const scenario of opts.scenarios) {
      for (const target of opts.targets.filter((t) => t.startsWith('monban'))) {
        const rate = cell(scenario, target)?.rate;
        if (rate === undefined) continue;
        report.ratios.push({
          scenario,
          target,
          toLimit: ratio(rate, cell(scenario, 'limit')?.rate),
          toOidcProvider: ratio(rate, cell(scenario, 'oidc-provider')?.rate),
        });
      }
    }
  }

  if (opts.scale) {
    const scenarios = (['whoami', 'refresh'] as const).filter((s) => opts.scenarios.includes(s));
    const backends = opts.targets.filter((t): t is 'monban-sqlite' | 'monban-postgres' => t.startsWith('monban'));
    say(`scale: ${RESIDENT} vs ${opts.scaleTokens} tokens, ${backends.join(', ')}`);
    const wanted = backends.flatMap((kind) =>
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

  const targets = opts.targets.filter((t) => report.cells.some((c) => c.target === t));
  const md = markdown(report, targets);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  const mdPath = opts.out.replace(/\.json$/, '') + '.md';
  writeFileSync(mdPath, `${md}\n`);

  const out = (s: string) => process.stdout.write(`${s}\n`);
  out('');
  out(`Targets: ${targets.map((t) => `${t} = ${TARGET_TITLES[t as TargetKind] ?? t}`).join('; ')}`);
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
