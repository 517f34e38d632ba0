import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Config } from '../config.js';
import { redactText, redactUrl } from '../http/log-redaction.js';

/** Where log lines go instead of stdout (tests read them). */
export interface LogDestination {
  write(line: string): void;
}

/** Header and body fields whose values are secrets; pino writes `[REDACTED]` wherever a log object holds one. */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'current_password',
  'password_confirmation',
  'client_secret',
  'code',
  'code_verifier',
  'access_token',
  'refresh_token',
  'bearer_token',
  'token',
  '_csrf',
];

/**
 * Each field wherever a request's parts may be logged: `body.password`, `req.headers.authorization`,
 * `params.code` (the out-of-band page's path). Not every `code` anywhere: `err.code` names an error, not a secret.
 */
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => {
  const key = /^[a-z_]+$/.test(field) ? `.${field}` : `["${field}"]`;
  return ['body', 'query', 'params', 'headers'].flatMap((part) => [`${part}${key}`, `*.${part}${key}`]);
});

/** A client's X-Request-Id is kept when it is a plain token (so that a proxy's id carries through); else ours. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestId(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function requestLine(request: FastifyRequest, reply: FastifyReply) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 10) / 10,
    ip: request.ip,
  };
}

type LoggedError = { [key: string]: unknown; type: string; message: string; stack: string };

/**
 * An error as a log line shows it: type, message, stack and its own fields, with every URL they quote redacted
 * (Fastify's errors name the request URL, an invalid URL's error carries it as `input`), and without `rawPacket`,
 * the bytes of a request that Node's HTTP parser could not read, headers and all.
 */
function errorFields(err: Error, depth = 0): LoggedError {
  const fields: LoggedError = {
    type: err.constructor.name,
    message: redactText(String(err.message)),
    stack: redactText(err.stack ?? ''),
  };
  for (const [key, value] of Object.entries(err)) {
    if (key !== 'rawPacket') fields[key] = typeof value === 'string' ? redactText(value) : value;
  }
  if (err.cause instanceof Error) {
    fields.cause = depth < 3 ? errorFields(err.cause, depth + 1) : err.cause.constructor.name;
  }
  return fields;
}

/**
 * Fastify's own messages quote the raw URL ("Reply was already sent ... in "/oauth/authorize/CODE""), and a line
 * given only an error takes the error's message, unserialized, as its own: both are redacted like URLs.
 */
function redactMessages(this: unknown, args: unknown[], method: (...args: unknown[]) => void): void {
  const redacted = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg));
  const [first] = args;
  const error = first instanceof Error ? first : (first as { err?: unknown } | null | undefined)?.err;
  if (args.length === 1 && error instanceof Error) redacted.push(redactText(String(error.message)));
  method.apply(this, redacted);
}

/** Whether a logger writes this level: pino says; Fastify's stand-in for a disabled logger writes nothing. */
function writes(log: FastifyBaseLogger, level: 'debug' | 'info'): boolean {
  const pino = log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
  return typeof pino.isLevelEnabled === 'function' && pino.isLevelEnabled(level);
}

/**
 * One line per request, at info, when it is answered: method, URL with its secrets redacted (log-redaction.ts),
 * status, duration and client address; the request id rides on every line as `reqId`. At debug, another when the
 * request arrives (the shutdown test waits for it).
 */
class RequestLog extends LogController {
  // Each line is built only when its level is written: a silent or quiet server spends nothing on it per request.
  override incomingRequest(request: FastifyRequest): void {
    if (!writes(request.log, 'debug')) return;
    request.log.debug({ method: request.method, url: redactUrl(request.url) }, 'request received');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ ...requestLine(request, reply), err: error }, 'request failed');
    else if (writes(reply.log, 'info')) reply.log.info(requestLine(request, reply), 'request completed');
  }

  // Fastify's own line names the raw URL; the request line above already says 404, redacted.
  override routeNotFound(): void {}
}

/** The Fastify options that shape logs: JSON lines from Fastify's pino at MONBAN_LOG_LEVEL, redacting secrets. */
export function loggingOptions(level: Config['logLevel'], destination?: LogDestination): FastifyServerOptions {
  return {
    logger:
      level === 'silent'
        ? false
        : {
            level,
            ...(destination ? { stream: destination } : {}),
            redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
              // Whatever a line holds under `err`; only an Error is reshaped.
              err: (err: Error) => (err instanceof Error ? errorFields(err) : (err as unknown as LoggedError)),
            },
            hooks: { logMethod: redactMessages },
          },
    logController: new RequestLog(),
    requestIdHeader: false,
    genReqId: requestId,
  };
}

/** Echoes the request id, so that a client's report can be matched with the log lines. */
export function registerRequestId(app: FastifyInstance): void {
  // A callback hook, as every hook on each request that awaits nothing: an async one costs a promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}
