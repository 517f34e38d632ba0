import { createHash } from 'node:crypto';

/**
 * What every part of the benchmark agrees on: the seeded client, user and redirect URI, and how the secrets of
 * seeded tokens, codes and sessions are derived. Secrets are deterministic (SHA-256 of a label and an index, as
 * URL-safe base64: 43 characters, the shape of Monban's random secrets), so that a seeder written in SQL, one
 * written in JavaScript and the load driver all know the same values without passing millions of them around.
 */

export const SEED_LABEL = 'monban-bench-v1';

export type SecretKind =
  /** access tokens that stay in the store (whoami reads them) */
  | 'resident-access'
  | 'resident-refresh'
  /** tokens whose refresh tokens the refresh scenario spends, each once */
  | 'pool-access'
  | 'pool-refresh'
  /** authorization codes the code scenario spends, each once */
  | 'code'
  | 'session';

export function benchSecret(kind: SecretKind, index: number): string {
  return createHash('sha256').update(`${SEED_LABEL}:${kind}:${index}`, 'utf8').digest('base64url');
}

export const CLIENT_ID = 'bench-client-0000000000000000000000000000000';
export const CLIENT_SECRET = 'bench-secret-0000000000000000000000000000000';
export const REDIRECT_URI = 'https://client.example/cb';
/** Scopes of every seeded token (one of Shikimori's default scopes, so whoami accepts them). */
export const SEED_SCOPES = 'user_rates';
/** Seeded tokens and codes outlive any benchmark (ten years, in seconds). */
export const SEED_TTL_S = 10 * 365 * 24 * 3600;
/** The signed-in user of the flow scenario (the first seeded user). */
export const FLOW_USER_INDEX = 0;

/** How many rows of each kind a target is seeded with. */
export interface SeedPlan {
  users: number;
  /** Tokens that stay in the store; whoami picks among them. */
  resident: number;
  /** Fresh refresh tokens for the refresh scenario (each spent once). */
  refreshPool: number;
  /** Fresh codes for the code scenario (each spent once). */
  codePool: number;
}

export const SCENARIOS = ['whoami', 'userinfo', 'refresh', 'code', 'client_credentials', 'flow', 'user-rates-write'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SCENARIO_TITLES: Record<Scenario, string> = {
  whoami: '1. GET /api/users/whoami (distinct valid tokens; oidc-provider: a bearer-checked resource of its own)',
  userinfo: '1b. oidc-provider: GET /me (userinfo); Monban: whoami again (the limits do not run it)',
  refresh: '2. POST /oauth/token refresh_token (each token once)',
  code: '3. POST /oauth/token authorization_code (each code once)',
  client_credentials: '4. POST /oauth/token client_credentials',
  flow: '5. full flow: authorize (signed in) + code exchange + whoami',
  'user-rates-write': '6. user_rates write: POST /api/v2/user_rates + POST …/increment (pairs)',
};

/**
 * Scenarios of Monban's own API, which the limit and the peer do not have: only Monban's targets run them, and their
 * figures have no ratio to the others.
 */
export const MONBAN_ONLY_SCENARIOS: readonly Scenario[] = ['user-rates-write'];

/** Where the user_rates write scenario creates and increments entries (docs/user-rates.md). */
export const USER_RATES_PATH = '/api/v2/user_rates';

/** What the orchestrator hands the driver (as a JSON file): one measured run of one scenario against one target. */
export interface DriverSpec {
  target: string;
  scenario: Scenario;
  baseUrl: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /**
   * One secret a line: tokens (whoami, user-rates-write), refresh tokens or codes, handed out in file order, each
   * request its own.
   */
  secretsFile?: string;
  /** Whether the secrets may be handed out again when the list ends (whoami's tokens may; refresh tokens not). */
  reuseSecrets: boolean;
  whoamiPath: string;
  tokenPath: string;
  /** Added to every token request body (client credentials, redirect_uri, scope, ...). */
  tokenParams: Record<string, string>;
  /** The flow: path and query of the authorization request, and the cookies of a signed-in user. */
  authorizeUrl?: string;
  cookie?: string;
  /** The server process, whose CPU time (/proc/PID/stat) is read when the measured window opens and closes. */
  serverPid?: number;
  /**
   * PostgreSQL: the server (an administrator's URL) and database whose sessions' server processes are found when
   * the window opens, and whose CPU time is read with the server's.
   */
  database?: { adminUrl: string; name: string };
  /** Clock ticks per second of /proc/PID/stat's utime and stime (`getconf CLK_TCK`). */
  clockTicks?: number;
  /**
   * Whether this driver reads the server's CPU (with several driver processes, only the first does: their windows
   * open together).
   */
  readServerCpu?: boolean;
  /** Keep one latency in this many (1: every request), for the scenarios timed from autocannon's own events. */
  latencySampleEvery?: number;
  /**
   * The load generator of the scenarios of one request each: `raw` (bench/raw-load.ts, plain sockets) or
   * `autocannon`; the flow and the user_rates writes always use autocannon.
   */
  engine?: 'raw' | 'autocannon';
  /** Whether the result carries its latency samples (several driver processes: the orchestrator merges them). */
  keepLatencies?: boolean;
}

/** CPU time over the measured window, in microseconds, and how much of one core that is. */
export interface CpuWindow {
  /** CPU time (user + system) spent in the window. */
  us: number;
  /** us / (window length): 1 is one core busy all the time. */
  cores: number;
  /** us / requests answered in the window (the driver's own CPU per request). */
  usPerRequest?: number;
  /** The part of `us` spent in the kernel (system time): sockets, mostly. */
  systemUs?: number;
}

export interface DriverResult {
  target: string;
  scenario: Scenario;
  /** Requests answered in the measured period (for the flow: completed flows). */
  completed: number;
  durationS: number;
  /** Requests (or flows) per second. */
  rate: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** Answers with a status other than the scenario's expected one, socket errors, timeouts. */
  unexpected: number;
  errors: number;
  timeouts: number;
  /** A sample of the unexpected answers, to say why a run failed. */
  samples: string[];
  /** The slowest answer to the requests sent in each second of the measured period (where stalls happened). */
  maxLatencyBySecondMs: number[];
  /** Why this run does not count, if it does not. */
  failure: string | null;
  /** The server process's CPU time in the window (/proc/PID/stat), when it could be read. */
  serverCpu?: CpuWindow | null;
  /**
   * The target's CPU time per request (for the flow: per flow), in microseconds: the server process's, plus on
   * PostgreSQL its database sessions' (databaseCpu).
   */
  serverCpuUsPerRequest?: number | null;
  /** The database sessions' CPU time in the window (PostgreSQL's server processes of the target's pool). */
  databaseCpu?: CpuWindow | null;
  databaseCpuUsPerRequest?: number | null;
  /** The load driver's own CPU time in the window (every driver process, summed), from process.cpuUsage(). */
  driverCpu?: CpuWindow | null;
  /** How many driver processes produced the load (their results summed). */
  drivers?: number;
  /** Which load generator the driver used. */
  engine?: 'raw' | 'autocannon';
  /** The connections the load used (may differ from the settings' in the saturation check). */
  connections?: number;
  /** The latencies kept (ms), when the spec asked for them; removed once merged. */
  latencySamples?: number[];
}
