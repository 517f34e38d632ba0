/**
 * The load driver, run as a process of its own (`node dist/bench/driver.js SPEC.json`): it reads one DriverSpec,
 * warms the target up, drives it with autocannon for the measured period, and prints one DriverResult as JSON on
 * its last line of stdout. It runs in its own process so that the server under test and the client only share the
 * machine's cores, never an event loop.
 *
 * Every request of scenarios 1-3 carries its own secret from the spec's list: whoami tokens cycle through many
 * distinct tokens, refresh tokens and codes are each sent once (a list that runs out fails the run rather than
 * resend one). Latency: scenarios of one request each take autocannon's own timing of every answer (its 'response'
 * event) and set no onResponse, which would make autocannon convert each answer's headers for it; the flow and the
 * user_rates writes are timed here, per complete sequence. One latency in `latencySampleEvery` is kept.
 *
 * CPU: when the measured window opens (a timer at the end of the warm-up) and when it closes, the driver reads the
 * server's CPU time from /proc/PID/stat (utime + stime, in clock ticks) and its own from process.cpuUsage(); the
 * result carries both, per window and per request, so that a run says whether the driver itself was the bottleneck.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { USER_RATES_PATH, type CpuWindow, type DriverResult, type DriverSpec, type Scenario } from './common.js';
import { backendPids } from './database-pids.js';
import { rawLoad, type RawHandler } from './raw-load.js';

type Request = autocannon.Request;
type Context = Record<string, unknown>;

/** Secrets handed out in order; `next()` returns undefined when a list that may not be reused runs out. */
class SecretList {
  private cursor = 0;
  exhausted = false;

  constructor(
    private readonly secrets: string[],
    private readonly reuse: boolean,
  ) {
    if (secrets.length === 0) throw new Error('the secrets list is empty');
  }

  next(): string {
    if (this.cursor >= this.secrets.length) {
      if (!this.reuse) {
        this.exhausted = true;
        // Keep the connection busy with an answer that will be counted as unexpected; the run is failed anyway.
        return this.secrets[this.secrets.length - 1] as string;
      }
      this.cursor = 0;
    }
    return this.secrets[this.cursor++] as string;
  }

  get used(): number {
    return this.cursor;
  }
}

/**
 * The answers received in the measured window and their latencies (in milliseconds; one in `sampleEvery` kept), and
 * every answer that was not the expected one (warm-up included: a target that answers wrongly fails the run
 * whenever it does). The window is opened by `open()` (a timer at the end of the warm-up) and closed by `close()`.
 */
class Recorder {
  latencies: number[] = [];
  completed = 0;
  unexpected = 0;
  samples: string[] = [];
  /** performance.now() at which the window opened; Infinity until then. */
  windowStart = Infinity;
  inWindow = false;
  /** The slowest answer received in each second of the window (a timer moves `second` on). */
  private readonly slowest: number[] = [];
  private second = 0;
  private ticker: NodeJS.Timeout | undefined;
  private seen = 0;

  constructor(private readonly sampleEvery = 1) {}

  open(): void {
    this.windowStart = performance.now();
    this.inWindow = true;
    this.ticker = setInterval(() => this.second++, 1000);
    this.ticker.unref();
  }

  close(): void {
    this.inWindow = false;
    clearInterval(this.ticker);
  }

  /** An expected answer, `ms` after its request was sent (requests sent before the window are not timed). */
  answered(ms: number, sentBeforeWindow = false): void {
    if (!this.inWindow) return;
    this.completed++;
    if (sentBeforeWindow) return;
    if (ms > (this.slowest[this.second] ?? 0)) this.slowest[this.second] = ms;
    if (++this.seen >= this.sampleEvery) {
      this.seen = 0;
      this.latencies.push(ms);
    }
  }

  /** An expected answer to a request sent at `startedAt` (performance.now()), timed here. */
  ok(startedAt: number): void {
    if (!this.inWindow) return;
    this.answered(performance.now() - startedAt, startedAt < this.windowStart);
  }

  bad(what: string): void {
    this.unexpected++;
    if (this.samples.length < 5) this.samples.push(what.slice(0, 300));
  }

  /** The slowest answer received in each second of the window, in whole milliseconds. */
  maxBySecond(): number[] {
    return Array.from(this.slowest, (v) => Math.round(v ?? 0));
  }
}

/** Clock ticks of CPU time (user and system) a process has used so far, from /proc/PID/stat; null if unreadable. */
export function processTicks(pid: number): { user: number; system: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? { user: utime, system: stime } : null;
  } catch {
    return null;
  }
}

/** CPU readings of the server (ticks) and of this process (µs) at one moment. */
interface CpuMark {
  at: number;
  serverTicks: { user: number; system: number } | null;
  /** Per database process, by pid (a process missing at either end is left out). */
  databaseTicks: Map<number, { user: number; system: number }>;
  driverUs: { user: number; system: number };
}

function cpuMark(spec: DriverSpec, databasePids: number[]): CpuMark {
  const usage = process.cpuUsage();
  const serverTicks = spec.serverPid !== undefined && spec.readServerCpu !== false ? processTicks(spec.serverPid) : null;
  const databaseTicks = new Map<number, { user: number; system: number }>();
  for (const pid of databasePids) {
    const ticks = processTicks(pid);
    if (ticks) databaseTicks.set(pid, ticks);
  }
  return { at: performance.now(), serverTicks, databaseTicks, driverUs: usage };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_BODY = { 'content-type': 'application/json' };

/** A seeded token and its user's id, for the user_rates writes (which must name the token's own user). */
interface Writer {
  token: string;
  userId: number;
}

/** How many of the seeded tokens write: enough that the connections never share one entry. */
const WRITERS = 200;

/** Each writer's user id, asked of whoami before the load (the driver does not know the seeded ids). */
async function writersOf(spec: DriverSpec): Promise<Writer[]> {
  if (!spec.secretsFile) throw new Error('the user_rates writes need a secrets list');
  const tokens = readFileSync(spec.secretsFile, 'utf8').split('\n').filter((l) => l !== '').slice(0, WRITERS);
  return Promise.all(
    tokens.map(async (token) => {
      const headers = { authorization: `Bearer ${token}` };
      const response = await fetch(`${spec.baseUrl}${spec.whoamiPath}`, { headers });
      const user = (await response.json()) as { id?: unknown } | null;
      if (typeof user?.id !== 'number') throw new Error(`whoami for a writer: ${response.status}`);
      return { token, userId: user.id };
    }),
  );
}

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

/** The autocannon request sequence of one scenario. */
function requestsFor(
  spec: DriverSpec,
  secrets: SecretList | undefined,
  rec: Recorder,
  writers: Writer[] = [],
): Request[] {
  const need = (): SecretList => {
    if (!secrets) throw new Error(`scenario ${spec.scenario} needs a secrets list`);
    return secrets;
  };
  const started = (context: Context) => {
    context.startedAt = performance.now();
  };
  // Scenarios of one request each are timed from autocannon's own 'response' event (runOnce's onAnswer), and have no
  // onResponse: with one, autocannon converts every answer's headers for it, which costs the driver more than
  // the limit spends on the request. setupRequest is given a fresh copy of the request and its headers to change.

  switch (spec.scenario satisfies Scenario) {
    case 'whoami':
    case 'userinfo': {
      const list = need();
      return [
        {
          method: 'GET',
          path: spec.whoamiPath,
          setupRequest: (req: Request) => {
            (req.headers as Record<string, string>).authorization = `Bearer ${list.next()}`;
            return req;
          },
        } as Request,
      ];
    }
    case 'refresh':
    case 'code': {
      const list = need();
      const field = spec.scenario === 'refresh' ? 'refresh_token' : 'code';
      const grantType = spec.scenario === 'refresh' ? 'refresh_token' : 'authorization_code';
      const prefix = `${form({ grant_type: grantType, ...spec.tokenParams })}&${field}=`;
      return [
        {
          method: 'POST',
          path: spec.tokenPath,
          headers: FORM,
          setupRequest: (req: Request) => {
            req.body = `${prefix}${encodeURIComponent(list.next())}`;
            return req;
          },
        } as Request,
      ];
    }
    case 'client_credentials': {
      const body = form({ grant_type: 'client_credentials', ...spec.tokenParams });
      return [
        {
          method: 'POST',
          path: spec.tokenPath,
          headers: FORM,
          body,
        } as Request,
      ];
    }
    case 'flow': {
      if (!spec.authorizeUrl || !spec.cookie) throw new Error('the flow needs authorizeUrl and cookie');
      const authorizeUrl = spec.authorizeUrl;
      const cookie = spec.cookie;
      return [
        {
          method: 'GET',
          path: authorizeUrl,
          setupRequest: (req: Request, context: Context) => {
            started(context);
            return { ...req, headers: { ...req.headers, cookie } };
          },
          onResponse: (status: number, body: string, context: Context, headers: Record<string, string>) => {
            // Header names come as the server wrote them (Koa writes `Location`).
            const location = Object.entries(headers).find(([k]) => k.toLowerCase() === 'location')?.[1] ?? '';
            const code = status >= 300 && status < 400 ? new URL(location, spec.baseUrl).searchParams.get('code') : null;
            if (code) context.code = code;
            else rec.bad(`authorize: ${status} ${location} ${body}`);
          },
        } as Request,
        {
          method: 'POST',
          path: spec.tokenPath,
          headers: FORM,
          setupRequest: (req: Request, context: Context) => {
            if (typeof context.code !== 'string') return null as unknown as Request; // start the flow again
            const body = form({ grant_type: 'authorization_code', code: context.code, ...spec.tokenParams });
            return { ...req, body };
          },
          onResponse: (status: number, body: string, context: Context) => {
            if (status !== 200) return rec.bad(`token: ${status} ${body}`);
            try {
              context.accessToken = (JSON.parse(body) as { access_token?: unknown }).access_token;
            } catch {
              rec.bad(`token: unreadable ${body}`);
            }
          },
        } as Request,
        {
          method: 'GET',
          path: spec.whoamiPath,
          setupRequest: (req: Request, context: Context) => {
            if (typeof context.accessToken !== 'string') return null as unknown as Request;
            return { ...req, headers: { ...req.headers, authorization: `Bearer ${context.accessToken}` } };
          },
          onResponse: (status: number, body: string, context: Context) => {
            if (status === 200) rec.ok(context.startedAt as number);
            else rec.bad(`whoami: ${status} ${body}`);
          },
        } as Request,
      ];
    }
    case 'user-rates-write': {
      // A write is a pair, as a list-sync client makes it: create (an upsert) an entry, then increment it. Targets
      // start at a random point so that runs on one store create new entries rather than update old ones.
      if (writers.length === 0) throw new Error('the user_rates writes need writers');
      let next = 0;
      let targetId = 1 + Math.floor(Math.random() * 1_000_000_000);
      return [
        {
          method: 'POST',
          path: USER_RATES_PATH,
          headers: JSON_BODY,
          setupRequest: (req: Request, context: Context) => {
            started(context);
            const writer = writers[next++ % writers.length] as Writer;
            context.authorization = `Bearer ${writer.token}`;
            const userRate = { user_id: writer.userId, target_id: targetId++, target_type: 'Anime' };
            const headers = { ...req.headers, authorization: context.authorization as string };
            return { ...req, headers, body: JSON.stringify({ user_rate: userRate }) };
          },
          onResponse: (status: number, body: string, context: Context) => {
            context.rateId = undefined;
            if (status !== 201) return rec.bad(`create: ${status} ${body}`);
            const id = (JSON.parse(body) as { id?: unknown }).id;
            if (typeof id === 'number') context.rateId = id;
            else rec.bad(`create: no id in ${body}`);
          },
        } as Request,
        {
          method: 'POST',
          setupRequest: (req: Request, context: Context) => {
            if (typeof context.rateId !== 'number') return null as unknown as Request; // start the pair again
            const headers = { ...req.headers, authorization: context.authorization as string };
            return { ...req, path: `${USER_RATES_PATH}/${context.rateId}/increment`, headers };
          },
          onResponse: (status: number, body: string, context: Context) => {
            if (status === 201) rec.ok(context.startedAt as number);
            else rec.bad(`increment: ${status} ${body}`);
          },
        } as Request,
      ];
    }
  }
}

/** Requests per connection sent before the timed warm-up, each waited for: a cold server's first answers are slow. */
export const PRIMING_PER_CONNECTION = 10;

/** Scenarios of one request each, timed from autocannon's own events (requestsFor gives them no onResponse). */
export const SINGLE_REQUEST: readonly Scenario[] = ['whoami', 'userinfo', 'refresh', 'code', 'client_credentials'];

/** The scenarios the raw engine runs (the user_rates writes always run on autocannon). */
export const RAW_SCENARIOS: readonly Scenario[] = [...SINGLE_REQUEST, 'flow'];

/** Called for every answer autocannon reads: its status and latency in ms (autocannon's own timing). */
type OnAnswer = (status: number, ms: number) => void;

function runOnce(
  spec: DriverSpec,
  requests: Request[],
  length: { durationS: number } | { amount: number },
  onAnswer?: OnAnswer,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.baseUrl,
        connections: spec.connections,
        ...('amount' in length ? { amount: length.amount } : { duration: length.durationS }),
        pipelining: 1,
        timeout: 10,
        requests,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('error', reject);
    if (onAnswer) {
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => onAnswer(status, ms));
    }
  });
}

/** Single-request handlers: the next request from `next`, every answer 200 or a bad one. */
function single(rec: Recorder, next: () => string): () => RawHandler {
  const handler: RawHandler = {
    next,
    answered(status, ms, _head, body) {
      if (status === 200) rec.answered(ms);
      else rec.bad(`${status} ${body.toString('utf8')}`);
    },
  };
  return () => handler;
}

/** A header's value in a head as the raw engine reads it (case-insensitive name); undefined when absent. */
function headerOf(head: string, name: string): string | undefined {
  const lower = head.toLowerCase();
  const at = lower.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const end = head.indexOf('\r\n', at + 2);
  return head.slice(at + name.length + 3, end < 0 ? undefined : end).trim();
}

/**
 * The raw engine's connection handlers (raw-load.ts): the bytes autocannon would send, less its `Connection:
 * keep-alive` (HTTP/1.1's default). The flow is three requests on one connection, timed from the first to the
 * last answer, and starts again at the authorization on any unexpected answer.
 */
function rawHandlers(spec: DriverSpec, secrets: SecretList | undefined, rec: Recorder): () => RawHandler {
  const host = `Host: ${new URL(spec.baseUrl).host}\r\n`;
  const need = (): SecretList => {
    if (!secrets) throw new Error(`scenario ${spec.scenario} needs a secrets list`);
    return secrets;
  };
  const post = (body: string) =>
    `POST ${spec.tokenPath} HTTP/1.1\r\n${host}content-type: application/x-www-form-urlencoded\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const get = (path: string, token: string) => `GET ${path} HTTP/1.1\r\n${host}authorization: Bearer ${token}\r\n\r\n`;
  switch (spec.scenario) {
    case 'whoami':
    case 'userinfo': {
      const list = need();
      const head = `GET ${spec.whoamiPath} HTTP/1.1\r\n${host}authorization: Bearer `;
      return single(rec, () => `${head}${list.next()}\r\n\r\n`);
    }
    case 'refresh':
    case 'code': {
      const list = need();
      const field = spec.scenario === 'refresh' ? 'refresh_token' : 'code';
      const grantType = spec.scenario === 'refresh' ? 'refresh_token' : 'authorization_code';
      const prefix = `${form({ grant_type: grantType, ...spec.tokenParams })}&${field}=`;
      return single(rec, () => post(`${prefix}${encodeURIComponent(list.next())}`));
    }
    case 'client_credentials': {
      const request = post(form({ grant_type: 'client_credentials', ...spec.tokenParams }));
      return single(rec, () => request);
    }
    case 'flow': {
      if (!spec.authorizeUrl || !spec.cookie) throw new Error('the flow needs authorizeUrl and cookie');
      const authorize = `GET ${spec.authorizeUrl} HTTP/1.1\r\n${host}cookie: ${spec.cookie}\r\n\r\n`;
      const exchange = `${form({ grant_type: 'authorization_code', ...spec.tokenParams })}&code=`;
      return () => {
        let step = 0;
        let startedAt = 0;
        let code = '';
        let token = '';
        return {
          next() {
            if (step === 0) {
              startedAt = performance.now();
              return authorize;
            }
            return step === 1 ? post(`${exchange}${encodeURIComponent(code)}`) : get(spec.whoamiPath, token);
          },
          answered(status, _ms, head, body) {
            if (step === 0) {
              const location = headerOf(head, 'location') ?? '';
              const found = status >= 300 && status < 400 ? new URL(location, spec.baseUrl).searchParams.get('code') : null;
              if (found) {
                code = found;
                step = 1;
              } else rec.bad(`authorize: ${status} ${location} ${body.toString('utf8')}`);
            } else if (step === 1) {
              const text = body.toString('utf8');
              let accessToken: unknown;
              try {
                accessToken = status === 200 ? (JSON.parse(text) as { access_token?: unknown }).access_token : undefined;
              } catch {
                // counted below
              }
              if (typeof accessToken === 'string') {
                token = accessToken;
                step = 2;
              } else {
                rec.bad(`token: ${status} ${text}`);
                step = 0;
              }
            } else {
              if (status === 200) rec.ok(startedAt);
              else rec.bad(`whoami: ${status} ${body.toString('utf8')}`);
              step = 0;
            }
          },
        };
      };
    }
    default:
      throw new Error(`the raw engine does not run ${spec.scenario}`);
  }
}

/** One raw-engine run, its outcome shaped as autocannon's (the two fields drive() reads). */
async function runRaw(
  spec: DriverSpec,
  handler: () => RawHandler,
  length: { durationS: number } | { amount: number },
): Promise<{ errors: number; timeouts: number }> {
  const url = new URL(spec.baseUrl);
  return rawLoad({
    host: url.hostname,
    port: Number(url.port),
    connections: spec.connections,
    handler,
    ...('amount' in length ? { amount: length.amount } : { durationMs: length.durationS * 1000 }),
    timeoutMs: 10_000,
  });
}

/** CPU time between two readings (µs, user and system) over the window from `from` to `to` (ms). */
const window = (from: number, to: number, user: number, system: number): CpuWindow => ({
  us: Math.round(user + system),
  cores: round((user + system) / ((to - from) * 1000), 3),
  systemUs: Math.round(system),
});

export async function drive(spec: DriverSpec): Promise<DriverResult> {
  const secrets = spec.secretsFile
    ? new SecretList(readFileSync(spec.secretsFile, 'utf8').split('\n').filter((l) => l !== ''), spec.reuseSecrets)
    : undefined;
  const rec = new Recorder(Math.max(1, Math.floor(spec.latencySampleEvery ?? 1)));
  const writers = spec.scenario === 'user-rates-write' ? await writersOf(spec) : [];
  const requests = requestsFor(spec, secrets, rec, writers);
  const raw = spec.engine === 'raw' && RAW_SCENARIOS.includes(spec.scenario);
  const onAnswer: OnAnswer | undefined = SINGLE_REQUEST.includes(spec.scenario)
    ? (status, ms) => {
        if (status === 200) rec.answered(ms);
        else rec.bad(`${status} (the body is not kept for scenarios timed from autocannon's events)`);
      }
    : undefined;
  const handlers = raw ? rawHandlers(spec, secrets, rec) : undefined;
  const load = (length: { durationS: number } | { amount: number }) =>
    handlers ? runRaw(spec, handlers, length) : runOnce(spec, requests, length, onAnswer);

  // Warm-up, not counted: first a fixed number of requests, all answered (a cold server takes seconds over its
  // first ones), then the timed warm-up and the measured window in one autocannon run, so that the window opens on
  // connections already busy: a fresh set of connections is slow over its first second, on every target. The
  // window opens on a timer at the end of the warm-up, where the CPU times of the server and of this process are
  // read; they are read again when the run ends.
  if (spec.warmupS > 0) await load({ amount: spec.connections * PRIMING_PER_CONNECTION });
  let first: CpuMark | undefined;
  let databasePids: number[] = [];
  const opener = setTimeout(() => {
    // The pool's sessions as they are at the end of the warm-up (a session opened later is not counted).
    const pids = spec.database ? backendPids(spec.database.adminUrl, spec.database.name) : Promise.resolve([]);
    pids
      .catch(() => [])
      .then((found) => {
        databasePids = found;
        first = cpuMark(spec, databasePids);
        rec.open();
      });
  }, spec.warmupS * 1000);
  const result = await load({ durationS: spec.warmupS + spec.durationS });
  clearTimeout(opener);
  rec.close();
  const last = cpuMark(spec, databasePids);
  const durationS = first ? (last.at - first.at) / 1000 : 0;

  const sorted = Float64Array.from(rec.latencies).sort();
  const list = Array.from(sorted);
  const mean = list.length === 0 ? NaN : list.reduce((a, b) => a + b, 0) / list.length;
  let failure: string | null = null;
  if (secrets?.exhausted) {
    failure = `the list of ${spec.scenario} secrets ran out after ${secrets.used}: seed more (--pool-rate)`;
  } else if (rec.unexpected > 0 || result.errors > 0 || result.timeouts > 0) {
    failure = `${rec.unexpected} unexpected answers, ${result.errors} socket errors, ${result.timeouts} timeouts`;
  } else if (rec.completed === 0 || !first) {
    failure = 'no request completed';
  }
  const ticksToUs = 1e6 / (spec.clockTicks ?? 100);
  const serverCpu =
    first && first.serverTicks !== null && last.serverTicks !== null
      ? window(
          first.at,
          last.at,
          (last.serverTicks.user - first.serverTicks.user) * ticksToUs,
          (last.serverTicks.system - first.serverTicks.system) * ticksToUs,
        )
      : null;
  let databaseCpu: CpuWindow | null = null;
  if (first && databasePids.length > 0) {
    let user = 0;
    let system = 0;
    for (const [pid, end] of last.databaseTicks) {
      const start = first.databaseTicks.get(pid);
      if (!start) continue;
      user += (end.user - start.user) * ticksToUs;
      system += (end.system - start.system) * ticksToUs;
    }
    databaseCpu = window(first.at, last.at, user, system);
  }
  const targetUs = serverCpu ? serverCpu.us + (databaseCpu?.us ?? 0) : null;
  const driverCpu = first
    ? window(first.at, last.at, last.driverUs.user - first.driverUs.user, last.driverUs.system - first.driverUs.system)
    : null;
  if (driverCpu && rec.completed > 0) driverCpu.usPerRequest = round(driverCpu.us / rec.completed, 1);
  return {
    target: spec.target,
    scenario: spec.scenario,
    completed: rec.completed,
    durationS: round(durationS, 3),
    rate: durationS > 0 ? round(rec.completed / durationS, 1) : 0,
    latencyMs: {
      p50: round(percentile(list, 50), 3),
      p90: round(percentile(list, 90), 3),
      p99: round(percentile(list, 99), 3),
      mean: round(mean, 3),
      max: round(list[list.length - 1] ?? NaN, 3),
    },
    unexpected: rec.unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
    samples: rec.samples,
    maxLatencyBySecondMs: rec.maxBySecond(),
    failure,
    serverCpu,
    serverCpuUsPerRequest: targetUs !== null && rec.completed > 0 ? round(targetUs / rec.completed, 1) : null,
    ...(databaseCpu
      ? { databaseCpu, databaseCpuUsPerRequest: rec.completed > 0 ? round(databaseCpu.us / rec.completed, 1) : null }
      : {}),
    driverCpu,
    drivers: 1,
    engine: raw ? 'raw' : 'autocannon',
    connections: spec.connections,
    ...(spec.keepLatencies ? { latencySamples: list.map((l) => round(l, 3)) } : {}),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const specPath = process.argv[2];
  if (!specPath) {
    process.stderr.write('usage: node dist/bench/driver.js SPEC.json\n');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as DriverSpec;
  drive(spec).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`driver: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
