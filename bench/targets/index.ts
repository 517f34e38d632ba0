/**
 * The targets as the orchestrator sees them: how each is seeded, started (a process of its own on 127.0.0.1), told
 * apart from the others on the wire (paths, cookies, parameters), and stopped.
 *   limit          bench/targets/limit.ts: bare Fastify, in-memory Maps (the physical limit)
 *   limit-plugins  the same server with Monban's per-request plumbing (rate limiter, metrics, request ids, security
 *                  headers, ...: LIMIT_PLUGINS, bench/targets/limit-plugins.ts)
 *   monban-sqlite  `monban serve` on a seeded SQLite file
 *   monban-postgres `monban serve` on a seeded PostgreSQL database of its own (created, then dropped)
 *   monban-*@base  the same from another compiled tree (`--baseline DIR`: DIR/dist/src/cli/main.js), seeded with
 *                  that tree's own migrations, for a before/after in one run
 *   oidc-provider  bench/targets/oidc-provider.ts: node-oidc-provider 8.x in memory (the peer)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SESSION_COOKIE } from '../../src/http/session.js';
import { benchSecret, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SEED_SCOPES, type Scenario, type SeedPlan } from '../common.js';
import {
  createPostgresDatabase,
  dropPostgresDatabase,
  seedPostgres,
  seedSqlite,
  withDatabase,
} from '../seed.js';

export type TargetKind = 'limit' | 'limit-plugins' | 'monban-sqlite' | 'monban-postgres' | 'oidc-provider';
export const TARGET_KINDS: readonly TargetKind[] = ['limit', 'limit-plugins', 'monban-sqlite', 'monban-postgres', 'oidc-provider'];

/** The kinds that are the bare limit server, with or without plugins (seeded alike, twice the secrets). */
export const isLimit = (kind: TargetKind) => kind === 'limit' || kind === 'limit-plugins';

export const TARGET_TITLES: Record<TargetKind, string> = {
  limit: 'limit (bare Fastify, Maps)',
  'limit-plugins': "limit + Monban's per-request plugins",
  'monban-sqlite': 'Monban, SQLite',
  'monban-postgres': 'Monban, PostgreSQL',
  'oidc-provider': 'oidc-provider 8, memory',
};

export interface Environment {
  /** The compiled tree: <distDir>/src/cli/main.js and <distDir>/bench/... */
  distDir: string;
  cacheDir: string;
  runDir: string;
  postgresUrl: string;
  /** Changes whenever Monban's migrations change, so cached seeded files are rebuilt. */
  schemaKey: string;
  /** Clock ticks per second of /proc/PID/stat (`getconf CLK_TCK`). */
  clockTicks: number;
  /** When set, Monban runs under `node --cpu-prof` and writes its profile here. */
  profileDir?: string;
}

/** A started target. */
export interface Instance {
  kind: TargetKind;
  /** Unique within the run, e.g. "monban-sqlite" or "monban-sqlite@10M". */
  name: string;
  baseUrl: string;
  process: ChildProcess;
  whoamiPath: string;
  tokenPath: string;
  authorizeUrl: string;
  cookie?: string;
  /** The userinfo scenario's path: oidc-provider's userinfo endpoint; whoami on the others. */
  userinfoPath: string;
  /** The secrets a scenario hands out, in a fixed shuffled order. */
  secrets(scenario: Scenario): string[];
  /** PostgreSQL only: the server and database whose sessions' CPU is the target's too (database-pids.ts). */
  database?: { adminUrl: string; name: string };
  /** Peak resident set of the server process so far, in MiB (VmHWM). */
  peakRssMiB(): number | null;
  stop(): Promise<void>;
}

const cli = (distDir: string) => [join(distDir, 'src/cli/main.js')];

/** Monban's two rate-limit windows (default 5/s and 90/min per address), raised out of reach. */
export const RATE_LIMIT = '1000000000/s,1000000000/min';

/** A deterministic shuffle (xorshift), so every target and every run sees the same order. */
export function shuffled<T>(items: T[], seed = 1): T[] {
  const out = items.slice();
  let x = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Whoami's tokens: 10,000 distinct resident tokens, all of them in the default store and a uniform random sample in
 * a big one. The same number in both, because a token's first use in a minute also records its last use (a write):
 * with as many distinct tokens, both stores see as many writes, and only the size of the store differs.
 */
const WHOAMI_SAMPLE = 10_000;

function residentSample(plan: SeedPlan): number[] {
  if (plan.resident <= WHOAMI_SAMPLE) return shuffled(Array.from({ length: plan.resident }, (_, i) => i));
  const picked = new Set<number>();
  let x = 2463534242;
  while (picked.size < WHOAMI_SAMPLE) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    picked.add((x >>> 0) % plan.resident);
  }
  return [...picked];
}

/** Secrets of seeded rows, derived as the seeders derived them. */
function derivedSecrets(plan: SeedPlan, scenario: Scenario): string[] {
  const range = (n: number) => shuffled(Array.from({ length: n }, (_, i) => i));
  switch (scenario) {
    case 'whoami':
    case 'userinfo':
    case 'user-rates-write':
      return residentSample(plan).map((i) => benchSecret('resident-access', i));
    case 'refresh':
      return range(plan.refreshPool).map((i) => benchSecret('pool-refresh', i));
    case 'code':
      return range(plan.codePool).map((i) => benchSecret('code', i));
    default:
      return [];
  }
}

function peakRss(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

/** Every server process started and not yet stopped, so that nothing outlives the benchmark. */
const running = new Set<ChildProcess>();

/** Ends every server still running (the benchmark failed or was interrupted). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Starts a process and waits for its "listening" line; an early exit is an error carrying its output. */
async function startProcess(
  args: string[],
  env: Record<string, string>,
  label: string,
  timeoutMs: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not start within ${timeoutMs / 1000} s: ${output.trim()}`));
    }, timeoutMs);
    let stdout = '';
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/listening/i.test(stdout)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      const said = (output + stdout).trim().split('\n').slice(-3).join(' | ');
      reject(new Error(`${label} exited with status ${code} before listening: ${said}`));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Follows oidc-provider's authorization with the interaction answered at once; returns the session cookies. */
async function oidcSignIn(baseUrl: string, authorizeUrl: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = `${baseUrl}${authorizeUrl}`;
  for (let hop = 0; hop < 10; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const set of response.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(set)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`oidc-provider sign-in: ${response.status} without a redirect at ${url}`);
    const next = new URL(location, url);
    if (`${next.origin}${next.pathname}` === REDIRECT_URI) {
      if (!next.searchParams.get('code')) throw new Error(`oidc-provider sign-in failed: ${next.search}`);
      return [...jar]
        .filter(([k]) => k.startsWith('_session'))
        .map(([k, v]) => `${k}=${v}`)
        .join('; ');
    }
    url = next.href;
  }
  throw new Error('oidc-provider sign-in: too many redirects');
}

const TOKEN_PARAMS = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };

/** The token request parameters a scenario adds, besides grant_type and its own secret. */
export function tokenParams(scenario: Scenario): Record<string, string> {
  return scenario === 'code' || scenario === 'flow' ? { ...TOKEN_PARAMS, redirect_uri: REDIRECT_URI } : TOKEN_PARAMS;
}

export interface StartOptions {
  kind: TargetKind;
  name: string;
  plan: SeedPlan;
  port: number;
  /** Whether the instance gets a PostgreSQL database or SQLite file of its own name (several may run at once). */
  instanceId: string;
  /** Monban only: the compiled tree to run it from (`--baseline`), and that tree's schema key; else env's. */
  monbanDist?: { distDir: string; schemaKey: string };
  /** limit-plugins only: LIMIT_PLUGINS, the plugins it registers (limit-plugins.ts says which exist). */
  plugins?: string;
}

export async function startTarget(env: Environment, options: StartOptions): Promise<Instance> {
  const { kind, name, plan, port, instanceId } = options;
  const monbanDist = options.monbanDist ?? { distDir: env.distDir, schemaKey: env.schemaKey };
  const baseUrl = `http://127.0.0.1:${port}`;
  const monbanAuthorize = `/oauth/authorize?${new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: SEED_SCOPES,
  })}`;
  const common = (child: ChildProcess, cleanup: () => Promise<void> = async () => undefined) => ({
    kind,
    name,
    baseUrl,
    process: child,
    peakRssMiB: () => peakRss(child.pid),
    async stop() {
      await stopProcess(child);
      await cleanup();
    },
  });

  switch (kind) {
    case 'limit':
    case 'limit-plugins': {
      const script = kind === 'limit' ? 'limit.js' : 'limit-plugins.js';
      const child = await startProcess(
        [join(env.distDir, 'bench/targets', script)],
        {
          PORT: String(port),
          BENCH_SEED: JSON.stringify(plan),
          ...(kind === 'limit-plugins' && options.plugins !== undefined ? { LIMIT_PLUGINS: options.plugins } : {}),
        },
        name,
        600_000,
      );
      return {
        ...common(child),
        whoamiPath: '/api/users/whoami',
        userinfoPath: '/api/users/whoami',
        tokenPath: '/oauth/token',
        authorizeUrl: monbanAuthorize,
        cookie: `session=${benchSecret('session', 0)}`,
        secrets: (scenario) => derivedSecrets(plan, scenario),
      };
    }
    case 'monban-sqlite':
    case 'monban-postgres': {
      let databaseUrl: string;
      let cleanup = async () => undefined as void;
      let sessions: { adminUrl: string; name: string } | undefined;
      if (kind === 'monban-sqlite') {
        const path = join(env.runDir, `${instanceId}.sqlite3`);
        databaseUrl = path;
        seedSqlite(cli(monbanDist.distDir), env.cacheDir, path, plan, monbanDist.schemaKey);
        // A copy of a big store takes gigabytes: gone with the instance.
        cleanup = async () => {
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
        };
      } else {
        const database = `monban_bench_${instanceId.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
        await createPostgresDatabase(env.postgresUrl, database);
        cleanup = () => dropPostgresDatabase(env.postgresUrl, database);
        sessions = { adminUrl: env.postgresUrl, name: database };
        databaseUrl = withDatabase(env.postgresUrl, database);
        try {
          await seedPostgres(cli(monbanDist.distDir), databaseUrl, plan);
        } catch (err) {
          await cleanup();
          throw err;
        }
      }
      // Profiled: the same `monban serve`, in a wrapper that profiles it from the moment it listens (targets/monban.ts).
      const args =
        env.profileDir && !options.monbanDist
          ? [join(env.distDir, 'bench/targets/monban.js')]
          : [...cli(monbanDist.distDir), 'serve'];
      const profile: Record<string, string> = env.profileDir
        ? { BENCH_CPU_PROFILE: join(env.profileDir, `${instanceId}.cpuprofile`) }
        : {};
      let child: ChildProcess;
      try {
        child = await startProcess(
          args,
          {
            ...profile,
            PORT: String(port),
            HOST: '127.0.0.1',
            MONBAN_DATABASE_URL: databaseUrl,
            MONBAN_PUBLIC_URL: baseUrl,
            MONBAN_LOG_LEVEL: 'silent',
            // All the load comes from one address: the limiter still counts every request, as in production,
            // but with limits no benchmark reaches (MONBAN_BENCH_RATE_LIMIT=off leaves it out altogether).
            MONBAN_RATE_LIMIT: process.env.MONBAN_BENCH_RATE_LIMIT || RATE_LIMIT,
          },
          name,
          120_000,
        );
      } catch (err) {
        await cleanup();
        throw err;
      }
      return {
        ...common(child, cleanup),
        ...(sessions ? { database: sessions } : {}),
        whoamiPath: '/api/users/whoami',
        userinfoPath: '/api/users/whoami',
        tokenPath: '/oauth/token',
        authorizeUrl: monbanAuthorize,
        cookie: `${SESSION_COOKIE}=${benchSecret('session', 0)}`,
        secrets: (scenario) => derivedSecrets(plan, scenario),
      };
    }
    case 'oidc-provider': {
      const listsDir = join(env.runDir, `${instanceId}-lists`);
      const child = await startProcess(
        [join(env.distDir, 'bench/targets/oidc-provider.js')],
        { PORT: String(port), BENCH_SEED: JSON.stringify(plan), BENCH_LISTS_DIR: listsDir },
        name,
        600_000,
      );
      const authorizeUrl = `/auth?${new URLSearchParams({
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'openid profile',
      })}`;
      let cookie: string;
      try {
        cookie = await oidcSignIn(baseUrl, authorizeUrl);
      } catch (err) {
        await stopProcess(child);
        throw err;
      }
      const read = (file: string) =>
        shuffled(readFileSync(join(listsDir, file), 'utf8').split('\n').filter((l) => l !== ''));
      return {
        ...common(child),
        // A resource of its own that checks the bearer token in-process (targets/oidc-provider.ts); userinfo apart.
        whoamiPath: '/api/users/whoami',
        userinfoPath: '/me',
        tokenPath: '/token',
        authorizeUrl,
        cookie,
        secrets: (scenario) =>
          scenario === 'whoami' || scenario === 'userinfo'
            ? read('whoami.txt')
            : scenario === 'refresh' || scenario === 'code'
              ? read(`${scenario}.txt`)
              : [],
      };
    }
  }
}
