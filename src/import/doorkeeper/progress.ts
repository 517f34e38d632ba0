/** Where an import reports how far it is: per table, rows read out of the table's count. */
export interface Progress {
  start(table: string, total: number): void;
  advance(rows: number): void;
  finish(): void;
}

export const NO_PROGRESS: Progress = { start() {}, advance() {}, finish() {} };

const BAR_WIDTH = 30;
/** On a terminal the line is redrawn at most this often; elsewhere a line is printed this often. */
const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 5000;

/**
 * On a terminal, one line redrawn in place with `\r`: a bar, rows read of the total and the rate. Elsewhere (a log
 * file, CI) a plain line every few seconds, and one at the end of each table.
 */
export class StreamProgress implements Progress {
  private table = '';
  private total = 0;
  private done = 0;
  private startedAt = 0;
  private shownAt = 0;

  constructor(
    private readonly stream: { write(text: string): unknown; isTTY?: boolean },
    private readonly clock: () => number = Date.now,
  ) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  start(table: string, total: number): void {
    this.table = table;
    this.total = total;
    this.done = 0;
    this.startedAt = this.clock();
    this.shownAt = 0;
    this.show(true);
  }

  advance(rows: number): void {
    this.done += rows;
    this.show(false);
  }

  finish(): void {
    if (this.tty) {
      this.show(true);
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.line()}\n`);
    }
  }

  private show(force: boolean): void {
    const now = this.clock();
    if (!force && now - this.shownAt < (this.tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
    this.shownAt = now;
    if (this.tty) this.stream.write(`\r${this.line()}\x1b[K`);
    else if (!force) this.stream.write(`${this.line()}\n`);
  }

  line(): string {
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const seconds = Math.max((this.clock() - this.startedAt) / 1000, 0.001);
    const rate = Math.round(this.done / seconds);
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = this.tty ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    return `${this.table.padEnd(20)} ${bar}${this.done}/${this.total} ${percent} ${rate} rows/s`;
  }
}
