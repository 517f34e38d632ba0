import type pg from 'pg';
import type { ApplicationCache, ApplicationWatch } from '../application-cache.js';
import { APPLICATIONS_CHANNEL } from '../migrations/014_application_cache.js';
import { pgDriver } from './driver.js';

const CONNECT_TIMEOUT_MS = 2_000;
const QUERY_TIMEOUT_MS = 5_000;
/** A lost listener tries again after this long. */
const RETRY_MS = 1_000;
/**
 * A query this often on the listening connection: a connection that died silently (a network that drops packets
 * without a reset) fails it within QUERY_TIMEOUT_MS, where TCP keep-alive alone would take many minutes.
 */
const PING_MS = 10_000;
/** How long a write of this process waits for its own notification to come back (expectChange). */
const ECHO_WAIT_MS = 500;

export interface ListenerEvents {
  /** The connection was lost (or could not be made): the cache is bypassed until listening again. */
  lost(err: Error): void;
  /** Listening again after a loss. */
  restored(): void;
}

/**
 * PostgreSQL's application watch: one connection of its own LISTENing on migration 014's channel, which the
 * database tells the id of every application updated or deleted, by any process, once that transaction commits.
 * Each id is evicted as it arrives. While the connection is not listening (not yet, or lost), check() answers
 * false and the cache is bypassed; when it listens again the cache starts empty, since what changed meanwhile is
 * unknown.
 *
 * A notification is delivered after the commit, asynchronously: the committer's answer to its client and the
 * notification to the other processes race, and nothing orders them. A notification usually takes well under a
 * millisecond on one machine (p50 0.05 ms, p99 4 ms after the committer's own answer on a loaded 2-core machine),
 * less than a client needs to read one answer and send another request. To narrow the race, a write made by this
 * process waits, before its answer goes out, until its own notification has come back (expectChange): the database
 * signals every listener at the same commit. That is not a guarantee: a process (or its listening backend) short of
 * CPU may read its notification tens of milliseconds late and answer a request meanwhile from its cache. Only a
 * check made in the database with each use would be strict (the grant's own statement comparing the application's
 * row with the cached one); MONBAN_CLIENT_CACHE=off is the strict choice meanwhile.
 */
export class PostgresApplicationListener implements ApplicationWatch {
  private client: pg.Client | undefined;
  private listening = false;
  private closed = false;
  private everListened = false;
  private retry: NodeJS.Timeout | undefined;
  private ping: NodeJS.Timeout | undefined;
  /** This process's writes waiting for their notification, by application id. */
  private readonly echoes = new Map<number, Set<() => void>>();

  constructor(
    private readonly url: string,
    private readonly cache: ApplicationCache,
    private readonly events: ListenerEvents,
  ) {}

  /** Connects and listens; resolves once listening or once the first attempt failed (retrying in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  check(): boolean {
    return this.listening;
  }

  expectChange(id: number): (changed: boolean) => Promise<void> {
    if (!this.listening) return async () => {};
    let heard: () => void = () => {};
    const echo = new Promise<void>((resolve) => (heard = resolve));
    const waiting = this.echoes.get(id) ?? new Set();
    waiting.add(heard);
    this.echoes.set(id, waiting);
    return async (changed) => {
      if (changed) {
        const timer = setTimeout(heard, ECHO_WAIT_MS);
        await echo;
        clearTimeout(timer);
      }
      waiting.delete(heard);
      if (waiting.size === 0 && this.echoes.get(id) === waiting) this.echoes.delete(id);
    };
  }

  private hear(id: number | undefined): void {
    const ids = id === undefined ? [...this.echoes.keys()] : [id];
    for (const each of ids) {
      for (const heard of this.echoes.get(each) ?? []) heard();
      this.echoes.delete(each);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.ping);
    this.listening = false;
    this.hear(undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new (pgDriver().Client)({
      connectionString: this.url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'monban-listener',
    });
    this.client = client;
    const lose = (err: Error) => this.lose(client, err);
    client.on('error', lose);
    client.on('end', () => lose(new Error('the connection ended')));
    client.on('notification', (message) => {
      if (message.channel !== APPLICATIONS_CHANNEL) return;
      const id = Number(message.payload);
      if (Number.isSafeInteger(id)) {
        this.cache.evict(id);
        this.hear(id);
      } else {
        this.cache.clear();
        this.hear(undefined);
      }
    });
    try {
      await client.connect();
      await client.query(`listen ${APPLICATIONS_CHANNEL}`);
    } catch (err) {
      lose(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.client !== client || this.closed) return;
    this.cache.clear();
    this.listening = true;
    if (this.everListened) this.events.restored();
    this.everListened = true;
    this.ping = setInterval(() => {
      client.query('select 1').catch((err: unknown) => lose(err instanceof Error ? err : new Error(String(err))));
    }, PING_MS);
    this.ping.unref();
  }

  private lose(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    this.cache.clear();
    this.hear(undefined);
    clearInterval(this.ping);
    client.end().catch(() => {});
    if (this.closed) return;
    this.events.lost(err);
    this.retry = setTimeout(() => void this.connect(), RETRY_MS);
    this.retry.unref();
  }
}
