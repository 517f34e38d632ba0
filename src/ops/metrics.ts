import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Events, GrantType } from '../core/events.js';

const GRANT_TYPES: readonly GrantType[] = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
];

/** Node's own metrics (memory, event loop, GC), once per process however many servers it builds (tests build many). */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'monban_' });
  }
  return processRegistry;
}

/**
 * One method, route pattern and status: its counter labels and latency histogram child, made once, and its requests
 * not yet added to the counter.
 */
interface Series {
  requestLabels: { method: string; route: string; status: string };
  duration: { observe(seconds: number): void };
  uncounted: number;
}

/** Prometheus metrics of one server: requests, their latency, and what the token endpoints did. */
export class Metrics {
  private readonly registry = new Registry();

  /** Every series seen, by route, method and status (a few dozen: route patterns, never URLs). */
  private readonly series = new Map<string, Map<string, Map<number, Series>>>();

  private readonly requests = new Counter({
    name: 'monban_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
    // Requests are counted in `series` and added here when the counter is read (a scrape): a plain addition per
    // request instead of prom-client's label checks and hashing, with the same totals in every exposition.
    collect: () => this.countRequests(),
  });

  private readonly duration = new Histogram({
    name: 'monban_http_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly tokensIssued = new Counter({
    name: 'monban_tokens_issued_total',
    help: 'Access tokens issued by POST /oauth/token, by grant type',
    labelNames: ['grant_type'] as const,
    registers: [this.registry],
  });

  private readonly refreshes = new Counter({
    name: 'monban_token_refreshes_total',
    help: 'Successful refresh_token grants',
    registers: [this.registry],
  });

  private readonly revocations = new Counter({
    name: 'monban_token_revocations_total',
    help: 'Revocation requests answered 200 (RFC 7009 §2.2: an unknown token is answered 200 too)',
    registers: [this.registry],
  });

  constructor() {
    // Every grant type from the start, so that a rate over it has a series before the first token.
    for (const grantType of GRANT_TYPES) this.tokensIssued.inc({ grant_type: grantType }, 0);
  }

  /** Counts what the protocol did from the core's events (core/events.ts), not from requests. */
  listen(events: Events): void {
    events.on('token.issued', (event) => this.tokensIssued.inc({ grant_type: event.grantType }));
    events.on('token.refreshed', () => this.refreshes.inc());
  }

  /**
   * Counts one answered request. The route is Fastify's pattern (`/oauth/authorize/:code`), never the URL, so
   * that codes stay out of label values and the series stay few; requests no route matched share `unmatched`.
   */
  observe(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url ?? 'unmatched';
    const series = this.seriesOf(request.method, route, reply.statusCode);
    series.uncounted++;
    series.duration.observe(reply.elapsedTime / 1000);
    if (reply.statusCode === 200 && request.method === 'POST' && route === '/oauth/revoke') this.revocations.inc();
  }

  private seriesOf(method: string, route: string, status: number): Series {
    let byMethod = this.series.get(route);
    if (!byMethod) this.series.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) {
      const requestLabels = { method, route, status: String(status) };
      series = { requestLabels, duration: this.duration.labels({ method, route }), uncounted: 0 };
      byStatus.set(status, series);
    }
    return series;
  }

  private countRequests(): void {
    for (const byMethod of this.series.values()) {
      for (const byStatus of byMethod.values()) {
        for (const series of byStatus.values()) {
          if (series.uncounted === 0) continue;
          this.requests.inc(series.requestLabels, series.uncounted);
          series.uncounted = 0;
        }
      }
    }
  }

  /** The text exposition format, this server's metrics and the process's. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([processMetrics(), this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}

/** GET /metrics, in the text format Prometheus scrapes. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.exposition();
    return reply.header('cache-control', 'no-store').type(contentType).send(body);
  });
}

/**
 * The listener for MONBAN_METRICS_PORT: /metrics and nothing else, without logs of its own, with the main listener's
 * timeouts (`options`: ops/index.ts timeoutOptions).
 */
export function metricsServer(metrics: Metrics, options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify({ ...options, logger: false });
  registerMetricsRoute(app, metrics);
  return app;
}
