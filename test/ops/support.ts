import type { LogDestination } from '../../src/ops/logging.js';

/** Every log line a server writes, kept for the test to read (MonbanOptions.logDestination). */
export class LogCapture implements LogDestination {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  /** The lines as parsed JSON objects (every line must be one). */
  get entries(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The lines whose message is `msg`. */
  withMessage(msg: string): Array<Record<string, unknown>> {
    return this.entries.filter((entry) => entry.msg === msg);
  }
}

/** Prometheus text format: the value of one series, named with its labels exactly as exposed; undefined if absent. */
export function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
