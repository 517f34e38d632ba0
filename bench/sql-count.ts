/**
 * Counts the SQL statements Monban executes: for one full authorization-code flow of a signed-in user (the consent
 * page and its form the first time; the consent skipped the next time, as for a returning user), and for one request
 * of each load scenario. Monban runs in this process on a seeded database, driven through Fastify's `inject`; the
 * database driver is instrumented (better-sqlite3's Statement run/get/all/iterate, pg's Client#query), so every
 * statement that reaches the database is counted, BEGIN and COMMIT included.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createMonban, type Monban } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { SESSION_COOKIE } from '../src/http/session.js';
import { benchSecret, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SEED_SCOPES } from './common.js';

export interface StepCount {
  step: string;
  status: number;
  statements: string[];
}

export interface SqlCount {
  database: 'sqlite' | 'postgres';
  /** Consent page, consent form, code exchange, whoami: a user's first authorization of this application. */
  firstFlow: StepCount[];
  /** Authorization with the consent skipped (prior consent), code exchange, whoami. */
  returningFlow: StepCount[];
  /** One request of each load scenario. */
  perRequest: StepCount[];
  /**
   * The write of the last uses noted by the whoami requests above (core/last-use.ts): once a second per process,
   * for every token used in that second, so no request's own count.
   */
  lastUseWrite: StepCount;
}

let recording: string[] | undefined;

function record(sql: string): void {
  recording?.push(sql.replace(/\s+/g, ' ').trim());
}

let instrumented = false;

function instrument(): void {
  if (instrumented) return;
  instrumented = true;
  const probe = new SQLite(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method] as (...args: unknown[]) => unknown;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      record(this.source);
      return original.apply(this, args);
    };
  }
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0];
    record(typeof config === 'string' ? config : String((config as { text?: unknown })?.text ?? ''));
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

function cookiesFrom(setCookie: string | string[] | undefined): string[] {
  const list = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  return list.map((c) => c.split(';')[0] as string);
}

function hiddenFields(html: string, formId: string): Record<string, string> {
  const form = new RegExp(`<form[^>]*id="${formId}"[\\s\\S]*?</form>`).exec(html)?.[0] ?? '';
  const fields: Record<string, string> = {};
  for (const input of form.matchAll(/<input\b[^>]*>/g)) {
    const tag = input[0];
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    const value = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
    const type = /type="([^"]*)"/.exec(tag)?.[1] ?? 'text';
    if (name !== undefined && (type === 'hidden' || (type === 'checkbox' && /\bchecked\b/.test(tag)))) {
      fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
    }
  }
  return fields;
}

class Counter {
  steps: StepCount[] = [];

  constructor(private readonly monban: Monban) {}

  async request(
    step: string,
    options: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string },
  ) {
    recording = [];
    const response = await this.monban.server.inject(options);
    this.steps.push({ step, status: response.statusCode, statements: recording });
    recording = undefined;
    return response;
  }

  /** The statements of writing the token uses noted so far (core/last-use.ts). */
  async lastUseWrite(): Promise<StepCount> {
    recording = [];
    await this.monban.ctx.lastUse.flush();
    const step = { step: 'last-use write (once a second, all tokens used in it)', status: 0, statements: recording };
    recording = undefined;
    return step;
  }

  take(): StepCount[] {
    const steps = this.steps;
    this.steps = [];
    return steps;
  }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const AUTHORIZE = `/oauth/authorize?${new URLSearchParams({
  client_id: CLIENT_ID,
  redirect_uri: REDIRECT_URI,
  response_type: 'code',
  scope: SEED_SCOPES,
})}`;

function codeOf(location: unknown): string {
  const code = typeof location === 'string' ? new URL(location, 'http://x').searchParams.get('code') : null;
  if (!code) throw new Error(`the authorization did not redirect with a code (location: ${String(location)})`);
  return code;
}

async function exchange(counter: Counter, code: string): Promise<string> {
  const response = await counter.request('POST /oauth/token (authorization_code)', {
    method: 'POST',
    url: '/oauth/token',
    headers: FORM,
    payload: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    }).toString(),
  });
  if (response.statusCode !== 200) throw new Error(`code exchange: ${response.statusCode} ${response.body}`);
  return (JSON.parse(response.body) as { access_token: string }).access_token;
}

async function whoami(counter: Counter, token: string): Promise<void> {
  const response = await counter.request('GET /api/users/whoami', {
    method: 'GET',
    url: '/api/users/whoami',
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.statusCode !== 200) throw new Error(`whoami: ${response.statusCode} ${response.body}`);
}

/**
 * Runs the measurement against a database already seeded by seed.ts (users 0 and 1 signed in through sessions 0
 * and 1; user 1 holds no token yet, so its first authorization shows the consent page).
 */
export async function countStatements(databaseUrl: string): Promise<SqlCount> {
  instrument();
  const publicUrl = 'http://127.0.0.1:3000';
  // The rate limiter counts in memory (or Redis), never in SQL: off, so that a dozen quick requests pass.
  const config = loadConfig({
    MONBAN_DATABASE_URL: databaseUrl,
    MONBAN_PUBLIC_URL: publicUrl,
    MONBAN_LOG_LEVEL: 'silent',
    MONBAN_RATE_LIMIT: 'off',
  });
  const monban = await createMonban(config);
  try {
    const counter = new Counter(monban);
    const session = `${SESSION_COOKIE}=${benchSecret('session', 1)}`;

    // Uses noted before counting starts are not this count's.
    await monban.ctx.lastUse.flush();
    // A user's first authorization: consent page, consent form, code exchange, whoami.
    const page = await counter.request('GET /oauth/authorize (consent page)', {
      method: 'GET',
      url: AUTHORIZE,
      headers: { cookie: session },
    });
    if (page.statusCode !== 200) throw new Error(`consent page: ${page.statusCode} ${page.body.slice(0, 200)}`);
    const cookie = [session, ...cookiesFrom(page.headers['set-cookie'])].join('; ');
    const approved = await counter.request('POST /oauth/authorize (approve)', {
      method: 'POST',
      url: '/oauth/authorize',
      headers: { ...FORM, cookie, origin: publicUrl },
      payload: new URLSearchParams(hiddenFields(page.body, 'authorize')).toString(),
    });
    let token = await exchange(counter, codeOf(approved.headers.location));
    await whoami(counter, token);
    const firstFlow = counter.take();

    // The same user again: the consent is skipped.
    const skipped = await counter.request('GET /oauth/authorize (prior consent: redirect)', {
      method: 'GET',
      url: AUTHORIZE,
      headers: { cookie: session },
    });
    token = await exchange(counter, codeOf(skipped.headers.location));
    await whoami(counter, token);
    const returningFlow = counter.take();

    // One request of each load scenario, on seeded secrets; whoami twice: a token's first use in a minute is noted
    // for the last-use write, a second is not.
    await whoami(counter, benchSecret('resident-access', 0));
    await whoami(counter, benchSecret('resident-access', 0));
    const repeated = counter.steps[counter.steps.length - 1];
    if (repeated) repeated.step = 'GET /api/users/whoami (same token again)';
    const tokenRequest = async (step: string, params: Record<string, string>) => {
      const response = await counter.request(step, {
        method: 'POST',
        url: '/oauth/token',
        headers: FORM,
        payload: new URLSearchParams({ ...params, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }).toString(),
      });
      if (response.statusCode !== 200) throw new Error(`${step}: ${response.statusCode} ${response.body}`);
    };
    await tokenRequest('POST /oauth/token (refresh_token)', {
      grant_type: 'refresh_token',
      refresh_token: benchSecret('pool-refresh', 0),
    });
    await tokenRequest('POST /oauth/token (authorization_code)', {
      grant_type: 'authorization_code',
      code: benchSecret('code', 0),
      redirect_uri: REDIRECT_URI,
    });
    await tokenRequest('POST /oauth/token (client_credentials)', { grant_type: 'client_credentials' });
    // The user_rates write pair (docs/user-rates.md), with a seeded token of its own user, found by a read first.
    const writer = { authorization: `Bearer ${benchSecret('resident-access', 0)}` };
    const me = await monban.server.inject({ method: 'GET', url: '/api/users/whoami', headers: writer });
    const userRate = { user_id: (me.json() as { id: number }).id, target_id: 1, target_type: 'Anime' };
    const created = await counter.request('POST /api/v2/user_rates (create)', {
      method: 'POST',
      url: '/api/v2/user_rates',
      headers: { ...writer, 'content-type': 'application/json' },
      payload: JSON.stringify({ user_rate: userRate }),
    });
    if (created.statusCode !== 201) throw new Error(`user_rates create: ${created.statusCode} ${created.body}`);
    const rateId = (created.json() as { id: number }).id;
    const incremented = await counter.request('POST /api/v2/user_rates/:id/increment', {
      method: 'POST',
      url: `/api/v2/user_rates/${rateId}/increment`,
      headers: writer,
    });
    if (incremented.statusCode !== 201) throw new Error(`user_rates increment: ${incremented.statusCode}`);
    const perRequest = counter.take();
    const lastUseWrite = await counter.lastUseWrite();
    return {
      database: /^postgres/i.test(databaseUrl) ? 'postgres' : 'sqlite',
      firstFlow,
      returningFlow,
      perRequest,
      lastUseWrite,
    };
  } finally {
    await monban.close();
  }
}

export function total(steps: StepCount[]): number {
  return steps.reduce((n, s) => n + s.statements.length, 0);
}

const TRANSACTION_CONTROL = /^(begin|commit|rollback|savepoint|release)\b/i;

export function withoutTransactionControl(steps: StepCount[]): number {
  return steps.reduce((n, s) => n + s.statements.filter((q) => !TRANSACTION_CONTROL.test(q)).length, 0);
}

export function describeCount(count: SqlCount): string {
  const lines: string[] = [];
  const section = (title: string, steps: StepCount[]) => {
    lines.push(
      `${title}: ${total(steps)} statements (${withoutTransactionControl(steps)} without BEGIN/COMMIT)`,
    );
    for (const step of steps) {
      lines.push(`  ${step.step} -> ${step.status}: ${step.statements.length}`);
      for (const sql of step.statements) lines.push(`      ${sql.length > 150 ? `${sql.slice(0, 147)}...` : sql}`);
    }
  };
  section(`[${count.database}] full flow, first authorization (consent page + form)`, count.firstFlow);
  section(`[${count.database}] full flow, returning user (consent skipped)`, count.returningFlow);
  section(`[${count.database}] one request of each scenario`, count.perRequest);
  section(`[${count.database}] then, once a second`, [count.lastUseWrite]);
  return lines.join('\n');
}
