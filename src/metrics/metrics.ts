import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Gauge, Metric, Registry } from 'prom-client';
import { methodLabel, statusLabel } from './http-labels';
import { LabelChildren } from './label-children';
import { CounterCell, CounterSeries, HistogramCell, HistogramSeries } from './series';

/** Every metric name starts with this (docs/metrics.md). */
export const METRIC_PREFIX = 'gatehouse_';

/** Seconds: from 0.1 ms (a gateway decision from memory) to 10 s (a request at its timeout). */
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Seconds a bcrypt job waits for a thread, and a change takes from NOTIFY to applied. */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type DecisionSurface = 'gateway' | 'check' | 'authzen' | 'explain';

/** Hits and misses of one cache, bound once to its label. */
export interface CacheLookups {
  hit(): void;
  miss(): void;
}

export interface DatabasePoolCounts {
  total: number;
  idle: number;
  waiting: number;
}

export interface SigningKeyAge {
  kid: string;
  /** When the key was made, in milliseconds since the epoch. */
  createdAt: number;
}

/** One readiness check per component, `true` when up (health/readiness.service.ts). */
export type ReadinessComponents = Record<string, boolean>;

const NO_LOOKUPS: CacheLookups = { hit: () => undefined, miss: () => undefined };

/**
 * The Prometheus metrics of one process (docs/metrics.md), on a registry of their own. Every
 * recording method takes bounded values only (route patterns, methods, status and reason
 * codes, grant types), never request input. `Metrics.off()` (METRICS_PORT unset) records
 * nothing: each method returns at once and `now()` reads no clock.
 *
 * The metrics folder stands on the ground floor (docs/architecture.md) so that any module can
 * record; it reads no settings, the composition root passes them (decision 0308).
 */
export class Metrics {
  readonly registry = new Registry();

  private readonly httpRequests: LabelChildren<CounterCell>;
  private readonly httpDurations: LabelChildren<HistogramCell>;
  private readonly tokensIssued: LabelChildren<CounterCell>;
  private readonly clientAuthFailures: LabelChildren<CounterCell>;
  private readonly decisions: LabelChildren<CounterCell>;
  private readonly decisionDurations: LabelChildren<HistogramCell>;
  private readonly bcryptWaits: HistogramCell;
  private readonly poolWaits: HistogramCell;
  private readonly changeLag: HistogramCell;
  private readonly changeReloads: LabelChildren<CounterCell>;
  private readonly cacheRequests: LabelChildren<CounterCell>;
  private readonly rateLimitRejections: LabelChildren<CounterCell>;

  /** What the gauges read at each scrape, set by the module that owns each (`watch…`). */
  private readonly sources: {
    bcryptQueue?: () => number;
    databasePool?: () => DatabasePoolCounts | undefined;
    signingKey?: () => SigningKeyAge | undefined;
    readiness?: () => Promise<ReadinessComponents>;
  } = {};

  static off(): Metrics {
    return new Metrics(false);
  }

  static on(): Metrics {
    return new Metrics(true);
  }

  private constructor(readonly enabled: boolean) {
    const registers = [this.registry];
    // Our own series register through prom-client's metric interface (series.ts).
    const register = <T extends CounterSeries | HistogramSeries>(series: T) => {
      this.registry.registerMetric(series as unknown as Metric);
      return series;
    };
    const counter = (name: string, help: string, labelNames: string[]) =>
      register(new CounterSeries(METRIC_PREFIX + name, help, labelNames));
    const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
      register(new HistogramSeries(METRIC_PREFIX + name, help, labelNames, buckets));

    this.httpRequests = counter(
      'http_requests_total',
      'HTTP requests answered, by route pattern, method and status',
      ['route', 'method', 'status'],
    ).cells;
    this.httpDurations = histogram(
      'http_request_duration_seconds',
      'Seconds from a request reaching the server to its answer sent, by route pattern and method',
      ['route', 'method'],
      LATENCY_BUCKETS,
    ).cells;
    this.tokensIssued = counter(
      'tokens_issued_total',
      'Access tokens issued at /token, by grant and client type',
      ['grant_type', 'client_type'],
    ).cells;
    this.clientAuthFailures = counter(
      'client_auth_failures_total',
      'Failed client authentications, by method',
      ['method'],
    ).cells;
    this.decisions = counter(
      'access_decisions_total',
      'Access decisions, by surface and reason code',
      ['surface', 'reason'],
    ).cells;
    this.decisionDurations = histogram(
      'access_decision_duration_seconds',
      'Seconds the decision engine took for one decision, by surface',
      ['surface'],
      LATENCY_BUCKETS,
    ).cells;
    // The gauges' collect() has the gauge as `this`; it reads the sources through `sources`.
    const sources = this.sources;
    new Gauge({
      name: METRIC_PREFIX + 'bcrypt_queue_depth',
      help: 'bcrypt jobs waiting for a thread of the pool',
      registers,
      aggregator: 'sum',
      collect() {
        if (sources.bcryptQueue) this.set(sources.bcryptQueue());
      },
    });
    this.bcryptWaits = histogram(
      'bcrypt_wait_seconds',
      'Seconds a bcrypt job waited for a thread of the pool',
      [],
      WAIT_BUCKETS,
    ).unlabelled();
    new Gauge({
      name: METRIC_PREFIX + 'db_pool_connections',
      help: 'Database pool connections: total open, idle, and requests waiting for one',
      labelNames: ['state'],
      registers,
      aggregator: 'sum',
      collect() {
        const counts = sources.databasePool?.();
        if (!counts) return;
        this.set({ state: 'total' }, counts.total);
        this.set({ state: 'idle' }, counts.idle);
        this.set({ state: 'waiting' }, counts.waiting);
      },
    });
    this.poolWaits = histogram(
      'db_pool_wait_seconds',
      'Seconds a query waited for a pool connection',
      [],
      WAIT_BUCKETS,
    ).unlabelled();
    this.changeLag = histogram(
      'change_bus_lag_seconds',
      'Seconds from a change notification sent to its change applied in this process',
      [],
      WAIT_BUCKETS,
    ).unlabelled();
    this.changeReloads = counter(
      'change_bus_reloads_total',
      'Changes applied from the change bus, by kind',
      ['kind'],
    ).cells;
    this.cacheRequests = counter(
      'cache_requests_total',
      'Cache lookups, by cache and result (hit or miss)',
      ['cache', 'result'],
    ).cells;
    this.rateLimitRejections = counter(
      'rate_limit_rejections_total',
      'Requests refused by a rate limit, by limit',
      ['limit'],
    ).cells;
    new Gauge({
      name: METRIC_PREFIX + 'signing_key_age_seconds',
      help: 'Age of the key that signs tokens now',
      labelNames: ['kid'],
      registers,
      aggregator: 'max',
      collect() {
        this.reset();
        const key = sources.signingKey?.();
        if (key) this.set({ kid: key.kid }, Math.max(0, (Date.now() - key.createdAt) / 1000));
      },
    });
    new Gauge({
      name: METRIC_PREFIX + 'readiness',
      help: 'Readiness checks, 1 when up (the checks of /health/ready)',
      labelNames: ['component'],
      registers,
      aggregator: 'min',
      async collect() {
        if (!sources.readiness) return;
        const components = await sources.readiness();
        for (const [component, up] of Object.entries(components)) {
          this.set({ component }, up ? 1 : 0);
        }
      },
    });
    if (enabled) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** A clock reading for a later duration (milliseconds); 0 without reading one when off. */
  now(): number {
    return this.enabled ? performance.now() : 0;
  }

  /** `route` is the route pattern (`/admin/clients/:id`) or `unmatched`, never the raw path. */
  httpRequest(route: string, method: string | undefined, status: number, seconds: number): void {
    if (!this.enabled) return;
    const methodValue = methodLabel(method);
    this.httpRequests.three(route, methodValue, statusLabel(status)).inc();
    this.httpDurations.two(route, methodValue).observe(seconds);
  }

  tokenIssued(grantType: string, clientType: string): void {
    if (this.enabled) this.tokensIssued.two(grantType, clientType).inc();
  }

  clientAuthFailure(method: string): void {
    if (this.enabled) this.clientAuthFailures.one(method).inc();
  }

  /** `started`: what `now()` read when the decision began, or undefined when not timed. */
  decision(surface: DecisionSurface, reason: string, started?: number): void {
    if (!this.enabled) return;
    this.decisions.two(surface, reason).inc();
    if (started !== undefined) {
      this.decisionDurations.one(surface).observe((performance.now() - started) / 1000);
    }
  }

  bcryptWaited(seconds: number): void {
    if (this.enabled) this.bcryptWaits.observe(seconds);
  }

  databasePoolWaited(seconds: number): void {
    if (this.enabled) this.poolWaits.observe(seconds);
  }

  /** A change applied; `lagSeconds` when the notification said when it was sent. */
  changeApplied(kind: string, lagSeconds?: number): void {
    if (!this.enabled) return;
    this.changeReloads.one(kind).inc();
    if (lagSeconds !== undefined) this.changeLag.observe(Math.max(0, lagSeconds));
  }

  /** The hit and miss counters of `cache`, bound once (a no-op pair when off). */
  cacheLookups(cache: 'verified_token' | 'client_secret'): CacheLookups {
    if (!this.enabled) return NO_LOOKUPS;
    const hit = this.cacheRequests.two(cache, 'hit');
    const miss = this.cacheRequests.two(cache, 'miss');
    return { hit: () => hit.inc(), miss: () => miss.inc() };
  }

  rateLimitRejected(limit: string): void {
    if (this.enabled) this.rateLimitRejections.one(limit).inc();
  }

  /** The sources read at each scrape (gauges): set once by the module that owns each. */
  watchBcryptQueue(depth: () => number): void {
    this.sources.bcryptQueue = depth;
  }

  watchDatabasePool(counts: () => DatabasePoolCounts | undefined): void {
    this.sources.databasePool = counts;
  }

  watchSigningKey(key: () => SigningKeyAge | undefined): void {
    this.sources.signingKey = key;
  }

  watchReadiness(components: () => Promise<ReadinessComponents>): void {
    this.sources.readiness = components;
  }

  /** The text exposition (Prometheus text format 0.0.4). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
