import type { AccessTokenStore } from './ports/stores.js';
import type { AccessToken } from './model.js';

/** How precisely a token's last use is recorded: at most one write a minute per token. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** How long a use waits in memory before it is written. */
export const LAST_USE_FLUSH_MS = 1_000;

/**
 * A token's last use, for the user's list of applications with access to the account. A bearer-authenticated
 * request stays one read: its use is noted in memory and written with the others noted in the same second, in one
 * UPDATE, instead of one write per request. The list reads what is written, so a use made in another process
 * shows up to a second later; this process writes what it noted before the list is read (flush), and on
 * shutdown. A process killed without a shutdown loses at most its last second of uses, which only ever makes a
 * "last used" time older.
 */
export class LastUseRecorder {
  /** Token id -> when it was used, for the uses not written yet. */
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly tokens: AccessTokenStore,
    private readonly onError: (err: unknown) => void,
    private readonly flushMs = LAST_USE_FLUSH_MS,
  ) {}

  /** Notes a use of the token at `at`, unless its recorded last use is less than a resolution old. */
  note(token: AccessToken, at: number): void {
    if (token.lastUsedAt !== null && at - token.lastUsedAt < LAST_USED_RESOLUTION_MS) return;
    if (this.pending.has(token.id)) return;
    this.pending.set(token.id, at);
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes every use noted so far; resolves once it is written (or has failed and been reported). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    // One write at a time, in order: a later flush never lands before an earlier one.
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  private async write(batch: Map<number, number>): Promise<void> {
    if (batch.size === 0) return;
    // One time for the batch, its latest use: a time at most one flush interval later than a token's own use.
    let at = 0;
    for (const usedAt of batch.values()) at = Math.max(at, usedAt);
    try {
      await this.tokens.touchLastUsed([...batch.keys()], at, LAST_USED_RESOLUTION_MS);
    } catch (err) {
      this.onError(err);
    }
  }
}
