/**
 * A start-up failure its operator can fix: the CLI prints it as one line, naming the cause and the setting that
 * fixes it, instead of `unexpected error` and Node's error text.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Node's system error code (EADDRINUSE, ENOENT, SQLITE_CANTOPEN, ...), if the error has one. */
export function errorCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** One of the server's listeners: its address and the variable that chooses its port. */
export interface Listener {
  host: string;
  port: number;
  portSetting: 'PORT' | 'MONBAN_METRICS_PORT';
}

const EVERY_INTERFACE = 'localhost, or 0.0.0.0 for every interface';

/** Why listen() failed, in one line with the fix; undefined for a failure this does not know. */
export function listenError(e: unknown, { host, port, portSetting }: Listener): StartupError | undefined {
  const another = port < 65535 ? port + 1 : 3000;
  switch (errorCode(e)) {
    case 'EADDRINUSE':
      return new StartupError(
        `port ${port} on ${host} is already in use (by another Monban still running?); stop that program, ` +
          `or set ${portSetting} to a free port, e.g. ${portSetting}=${another}`,
      );
    case 'EACCES':
      return new StartupError(
        `not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges); ` +
          `set ${portSetting} to 1024 or above, e.g. ${portSetting}=3000`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `cannot listen on ${host}: this machine has no such address; set HOST to one it has (${EVERY_INTERFACE})`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(
        `cannot listen on ${host}: the name does not resolve; set HOST to an address of this machine ` +
          `(${EVERY_INTERFACE})`,
      );
    default:
      return undefined;
  }
}
