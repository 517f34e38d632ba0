/**
 * The load driver, run as a process of its own (`node dist/bench/driver.js SPEC.json`): it reads one DriverSpec,
 * warms the target up, drives it with autocannon for the measured period, and prints one DriverResult as JSON on
 * its last line of stdout. It runs in its own process so that the server under test and the client only share the
 * machine's cores, never an event loop.
 *
 * Every request of scenarios 1-3 carries its own secret from the spec's list: whoami tokens cycle through many
 * distinct tokens, refresh tokens and codes are each sent once (a list that runs out fails the run rather than
 * resend one). Latency is measured here, per request (for the flow: per complete flow), in microseconds.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { USER_RATES_PATH, type DriverResult, type DriverSpec, type Scenario } from './common.js';

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
 * The answers received in the measured window, the latencies of the requests sent in it (in milliseconds), and
 * every answer that was not the expected one (warm-up included: a target that answers wrongly fails the run
 * whenever it does).
 */
class Recorder {
  latencies: number[] = [];
  /** When each counted request was sent, ms after the window opened (parallel to latencies). */
  sentAt: number[] = [];
  completed = 0;
  unexpected = 0;
  samples: string[] = [];
  /** performance.now() at which answers start to count; Infinity until the window is set. */
  windowStart = Infinity;

  /** Counts an answer received in the window; its latency counts only if the request was sent in the window too. */
  ok(startedAt: number): void {
    const now = performance.now();
    if (now < this.windowStart) return;
    this.completed++;
    if (startedAt < this.windowStart) return;
    this.latencies.push(now - startedAt);
    this.sentAt.push(startedAt - this.windowStart);
  }

  bad(what: string): void {
    this.unexpected++;
    if (this.samples.length < 5) this.samples.push(what.slice(0, 300));
  }

  /** The slowest answer to the requests sent in each second of the window. */
  maxBySecond(): number[] {
    const out: number[] = [];
    this.latencies.forEach((latency, i) => {
      const second = Math.max(0, Math.floor((this.sentAt[i] ?? 0) / 1000));
      out[second] = Math.max(out[second] ?? 0, Math.round(latency));
    });
    return Array.from(out, (v) => v ?? 0);
  }
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
  const expect200 = (status: number, body: string, context: Context) => {
    if (status === 200) rec.ok(context.startedAt as number);
    else rec.bad(`${status} ${body}`);
  };
  const started = (context: Context) => {
    context.startedAt = performance.now();
  };

  switch (spec.scenario satisfies Scenario) {
    case 'whoami': {
      const list = need();
      return [
        {
          method: 'GET',
          path: spec.whoamiPath,
          setupRequest: (req: Request, context: Context) => {
            started(context);
            return { ...req, headers: { ...req.headers, authorization: `Bearer ${list.next()}` } };
          },
          onResponse: expect200,
        } as Request,
      ];
    }
    case 'refresh':
    case 'code': {
      const list = need();
      const field = spec.scenario === 'refresh' ? 'refresh_token' : 'code';
      const grantType = spec.scenario === 'refresh' ? 'refresh_token' : 'authorization_code';
      return [
        {
          method: 'POST',
          path: spec.tokenPath,
          headers: FORM,
          setupRequest: (req: Request, context: Context) => {
            started(context);
            const body = form({ grant_type: grantType, [field]: list.next(), ...spec.tokenParams });
            return { ...req, body };
          },
          onResponse: expect200,
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
          setupRequest: (req: Request, context: Context) => {
            started(context);
            return req;
          },
          onResponse: expect200,
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

function runOnce(spec: DriverSpec, requests: Request[], length: { durationS: number } | { amount: number }): Promise<autocannon.Result> {
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
  });
}

export async function drive(spec: DriverSpec): Promise<DriverResult> {
  const secrets = spec.secretsFile
    ? new SecretList(readFileSync(spec.secretsFile, 'utf8').split('\n').filter((l) => l !== ''), spec.reuseSecrets)
    : undefined;
  const rec = new Recorder();
  const writers = spec.scenario === 'user-rates-write' ? await writersOf(spec) : [];
  const requests = requestsFor(spec, secrets, rec, writers);

  // Warm-up, not counted: first a fixed number of requests, all answered (a cold server takes seconds over its
  // first ones), then the timed warm-up and the measured window in one autocannon run, so that the window opens on
  // connections already busy: a fresh set of connections is slow over its first second, on every target.
  if (spec.warmupS > 0) await runOnce(spec, requests, { amount: spec.connections * PRIMING_PER_CONNECTION });
  rec.windowStart = performance.now() + spec.warmupS * 1000;
  const result = await runOnce(spec, requests, { durationS: spec.warmupS + spec.durationS });
  const durationS = (performance.now() - rec.windowStart) / 1000;

  const sorted = Float64Array.from(rec.latencies).sort();
  const list = Array.from(sorted);
  const mean = list.length === 0 ? NaN : list.reduce((a, b) => a + b, 0) / list.length;
  let failure: string | null = null;
  if (secrets?.exhausted) {
    failure = `the list of ${spec.scenario} secrets ran out after ${secrets.used}: seed more (--pool-rate)`;
  } else if (rec.unexpected > 0 || result.errors > 0 || result.timeouts > 0) {
    failure = `${rec.unexpected} unexpected answers, ${result.errors} socket errors, ${result.timeouts} timeouts`;
  } else if (rec.completed === 0) {
    failure = 'no request completed';
  }
  return {
    target: spec.target,
    scenario: spec.scenario,
    completed: rec.completed,
    durationS: round(durationS, 3),
    rate: round(rec.completed / durationS, 1),
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
