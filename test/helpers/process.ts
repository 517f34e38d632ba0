import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { findForm } from './browser.js';

/**
 * The compiled CLI beside this compiled helper (dist/test/helpers → dist/src/cli/main.js), so the tests run the
 * build they were compiled with, whatever its outDir. `bin/monban.js` only imports this file.
 */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const CURL = '/usr/bin/curl';
const CLI_TIMEOUT_MS = 30_000;

/** The environment of a child: ours, without settings or test-runner variables that would leak into it. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(MONBAN_|NODE_TEST)/.test(name) && name !== 'PORT' && name !== 'HOST' && name !== 'NODE_OPTIONS',
    ),
  );
  return { ...inherited, ...env };
}

/** A fresh folder with a SQLite path in it (the file is created by whoever opens it first). */
export async function tempDatabase(): Promise<{ dir: string; path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'monban-test-'));
  return { dir, path: join(dir, 'monban.sqlite3'), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface CliRun {
  /** The exit status, or null when the process was ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `monban ARGS` to completion (killed after 30 s, so a command that hangs fails instead of blocking). */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: childEnv(env), timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a `--json` CLI command that must succeed and returns its parsed output. */
export async function cliJson<T>(args: string[], env: Record<string, string>): Promise<T> {
  const run = await runCli([...args, '--json'], env);
  if (run.code !== 0) throw new Error(`monban ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A port nobody listens on right now: bound on port 0, read, released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
// A test run that dies must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `monban serve` in a child process, on 127.0.0.1 and a free port. */
export class ServerProcess {
  private stdoutText = '';
  private stderrText = '';
  private readonly exited: Promise<Exit>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdoutText += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': by then the output has been read to its end.
      child.once('close', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      });
    });
  }

  /** Starts the server with these settings and waits for its "listening" line; retries if the port was taken. */
  static async start(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const child = spawn(process.execPath, [CLI, 'serve', ...args], {
        env: childEnv({
          PORT: String(port),
          HOST: '127.0.0.1',
          MONBAN_PUBLIC_URL: `http://127.0.0.1:${port}`,
          MONBAN_LOG_LEVEL: 'warn',
          // On by default (5/s, as Shikimori); only the tests about limits turn them back on.
          MONBAN_RATE_LIMIT: 'off',
          ...env,
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.add(child);
      const server = new ServerProcess(child, port);
      if (await server.waitForStdout(/^Monban is listening on /m)) return server;
      await server.stop();
      // The port was taken between freePort() and listen (cli/startup-errors.ts says so in one line).
      if (!/EADDRINUSE| is already in use/.test(server.stderr) || attempt === 3) {
        throw new Error(`monban serve did not start:\n${server.stdout}\n${server.stderr}`);
      }
    }
  }

  /** Waits until the output so far matches; false if the server exits or 30 s pass first. */
  waitForStdout(pattern: RegExp): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (pattern.test(this.stdoutText)) done(true);
      };
      const done = (matched: boolean) => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        resolve(matched);
      };
      const timer = setTimeout(() => done(false), CLI_TIMEOUT_MS);
      this.child.stdout?.on('data', check);
      void this.exited.then(() => done(pattern.test(this.stdoutText)));
      check();
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Sends the signal and waits for the exit; a server that does not stop within 10 s is killed. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Runs /usr/bin/curl with the guide's own arguments. Only output options are added (silence the progress meter,
 * append the status on a last line); the request curl sends is the guide's.
 */
export function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile(CURL, [...args, '--silent', '--show-error', '--write-out', '\n%{http_code}'], (error, stdout, stderr) => {
      if (error) return reject(new Error(`curl failed: ${stderr || error.message}`));
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
    });
  });
}

/**
 * A cookie-keeping client over real HTTP (fetch with redirects left to the test), enough to sign in and answer
 * Monban's forms like a browser without JavaScript.
 */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [key = '', val = ''] = a.split('=').map((s) => s.trim());
        if (/^max-age$/i.test(key)) return Number(val) <= 0;
        if (/^expires$/i.test(key)) return Date.parse(val) < Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: 'manual' });
    this.remember(response);
    return response;
  }

  get(path: string): Promise<Response> {
    return this.request(path);
  }

  post(path: string, fields: Array<[string, string]>): Promise<Response> {
    return this.request(path, { method: 'POST', body: new URLSearchParams(fields) });
  }

  /** Submits a form of a page, with changes to its fields. */
  submit(page: string, selector: string, changes: Record<string, string> = {}): Promise<Response> {
    const form = findForm(page, selector);
    const fields = form.fields.filter(([name]) => !(name in changes));
    fields.push(...Object.entries(changes));
    return this.post(form.action, fields);
  }

  /** GET /users/sign_in (which sets the `_csrf` cookie), then the form with its hidden `_csrf` field. */
  async signIn(nickname: string, password: string): Promise<void> {
    const page = await this.get('/users/sign_in');
    const response = await this.submit(await page.text(), 'form', { nickname, password });
    if (response.status !== 303) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  }

  /** The authorization request, consenting with form#authorize if asked; returns the code from the redirect. */
  async authorize(clientId: string, redirectUri: string): Promise<string> {
    const query = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code' });
    let response = await this.get(`/oauth/authorize?${query}`);
    if (response.status === 200) response = await this.submit(await response.text(), 'form#authorize');
    const location = response.headers.get('location');
    if (response.status !== 302 || location === null) {
      throw new Error(`authorization did not redirect: ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
    const code = new URL(location, this.baseUrl).searchParams.get('code');
    if (code === null) throw new Error(`no code in ${location}`);
    return code;
  }
}

/** Every stored value, table by table, that contains one of these strings (to show secrets are kept as hashes). */
export function storedValuesContaining(databasePath: string, needles: string[]): string[] {
  const sqlite = new SQLite(databasePath, { readonly: true, fileMustExist: true });
  try {
    const tables = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as Array<{ name: string }>;
    const found: string[] = [];
    for (const { name } of tables) {
      for (const row of sqlite.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
        for (const [column, value] of Object.entries(row)) {
          if (typeof value === 'string' && needles.some((n) => value.includes(n))) found.push(`${name}.${column}`);
        }
      }
    }
    return found;
  } finally {
    sqlite.close();
  }
}
