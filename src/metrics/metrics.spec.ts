import { expect } from 'expect';
import { describe, it } from 'node:test';
import { AggregatorRegistry } from 'prom-client';
import { LabelChildren, MAX_VALUES_PER_LABEL } from './label-children';
import { HistogramSeries } from './series';
import { methodLabel, statusLabel } from './http-labels';
import { Metrics } from './metrics';

const lines = async (metrics: Metrics, name: string) =>
  (await metrics.scrape()).body.split('\n').filter((line) => line.startsWith(`${name}{`));

describe(Metrics.name, () => {
  it('records a request by route pattern, method and status, and its duration', async () => {
    const sut = Metrics.on();
    sut.httpRequest('/token', 'POST', 200, 0.003);
    sut.httpRequest('/token', 'POST', 200, 0.004);
    sut.httpRequest('/token', 'BREW', 404, 0.001);
    expect(await lines(sut, 'gatehouse_http_requests_total')).toEqual([
      'gatehouse_http_requests_total{route="/token",method="POST",status="200"} 2',
      'gatehouse_http_requests_total{route="/token",method="other",status="404"} 1',
    ]);
    expect(await lines(sut, 'gatehouse_http_request_duration_seconds_count')).toEqual([
      'gatehouse_http_request_duration_seconds_count{route="/token",method="POST"} 2',
      'gatehouse_http_request_duration_seconds_count{route="/token",method="other"} 1',
    ]);
  });

  it('records tokens, client authentication failures, decisions and rate-limit rejections', async () => {
    const sut = Metrics.on();
    sut.tokenIssued('client_credentials', 'm2m');
    sut.clientAuthFailure('client_secret_basic');
    sut.decision('gateway', 'token_expired', sut.now());
    sut.rateLimitRejected('per_ip');
    expect(await lines(sut, 'gatehouse_tokens_issued_total')).toEqual([
      'gatehouse_tokens_issued_total{grant_type="client_credentials",client_type="m2m"} 1',
    ]);
    expect(await lines(sut, 'gatehouse_client_auth_failures_total')).toEqual([
      'gatehouse_client_auth_failures_total{method="client_secret_basic"} 1',
    ]);
    expect(await lines(sut, 'gatehouse_access_decisions_total')).toEqual([
      'gatehouse_access_decisions_total{surface="gateway",reason="token_expired"} 1',
    ]);
    expect(await lines(sut, 'gatehouse_access_decision_duration_seconds_count')).toEqual([
      'gatehouse_access_decision_duration_seconds_count{surface="gateway"} 1',
    ]);
    expect(await lines(sut, 'gatehouse_rate_limit_rejections_total')).toEqual([
      'gatehouse_rate_limit_rejections_total{limit="per_ip"} 1',
    ]);
  });

  it('counts cache hits and misses through pre-bound counters', async () => {
    const sut = Metrics.on();
    const lookups = sut.cacheLookups('verified_token');
    lookups.hit();
    lookups.hit();
    lookups.miss();
    expect(await lines(sut, 'gatehouse_cache_requests_total')).toEqual([
      'gatehouse_cache_requests_total{cache="verified_token",result="hit"} 2',
      'gatehouse_cache_requests_total{cache="verified_token",result="miss"} 1',
    ]);
  });

  it('reads the gauges from their sources at scrape time', async () => {
    const sut = Metrics.on();
    sut.watchBcryptQueue(() => 3);
    sut.watchDatabasePool(() => ({ total: 10, idle: 7, waiting: 1 }));
    sut.watchSigningKey(() => ({ kid: 'k1', createdAt: Date.now() - 60_000 }));
    sut.watchReadiness(async () => ({ database: true, access_state: false }));
    const text = (await sut.scrape()).body;
    expect(text).toContain('\ngatehouse_bcrypt_queue_depth 3\n');
    expect(text).toContain('gatehouse_db_pool_connections{state="waiting"} 1\n');
    expect(text).toMatch(/gatehouse_signing_key_age_seconds\{kid="k1"\} 6\d\.?\d*\n/);
    expect(text).toContain('gatehouse_readiness{component="database"} 1\n');
    expect(text).toContain('gatehouse_readiness{component="access_state"} 0\n');
  });

  it('records the change bus lag and the changes applied by kind', async () => {
    const sut = Metrics.on();
    sut.changeApplied('rules.changed', 0.02);
    sut.changeApplied('resync');
    expect(await lines(sut, 'gatehouse_change_bus_reloads_total')).toEqual([
      'gatehouse_change_bus_reloads_total{kind="rules.changed"} 1',
      'gatehouse_change_bus_reloads_total{kind="resync"} 1',
    ]);
    expect((await sut.scrape()).body).toContain('\ngatehouse_change_bus_lag_seconds_count 1\n');
  });

  it('records nothing and reads no clock when off', async () => {
    const sut = Metrics.off();
    expect(sut.enabled).toBe(false);
    expect(sut.now()).toBe(0);
    sut.httpRequest('/token', 'POST', 200, 0.01);
    sut.tokenIssued('client_credentials', 'm2m');
    sut.decision('check', 'allowed', 0);
    sut.cacheLookups('client_secret').hit();
    const text = (await sut.scrape()).body;
    expect(text).not.toContain('_total{');
    expect(text).not.toContain('gatehouse_process_');
  });
});

describe(HistogramSeries.name, () => {
  it('exports cumulative buckets: a value on a bound counts in it, past the last only in +Inf', async () => {
    const sut = new HistogramSeries('h', 'help', ['route'], [0.1, 1]);
    const cell = sut.cells.one('/a');
    for (const value of [0.05, 0.1, 0.5, 1, 7]) cell.observe(value);
    const samples = sut.get().values.map((v) => [v.metricName, v.labels.le, v.value]);
    expect(samples).toEqual([
      ['h_bucket', 0.1, 2],
      ['h_bucket', 1, 4],
      ['h_bucket', '+Inf', 5],
      ['h_sum', undefined, 8.65],
      ['h_count', undefined, 5],
    ]);
  });
});

describe('Metrics across cluster workers', () => {
  it("sums two workers' counters and histograms as the primary serves them", async () => {
    const workers = [Metrics.on(), Metrics.on()];
    workers[0].httpRequest('/token', 'POST', 200, 0.002);
    workers[1].httpRequest('/token', 'POST', 200, 0.02);
    workers[1].httpRequest('/token', 'POST', 400, 0.001);
    workers[1].bcryptWaited(0.003);
    const summed = AggregatorRegistry.aggregate(
      await Promise.all(workers.map((worker) => worker.registry.getMetricsAsJSON())),
    );
    const text = await summed.metrics();
    expect(text).toContain(
      'gatehouse_http_requests_total{route="/token",method="POST",status="200"} 2\n',
    );
    expect(text).toContain(
      'gatehouse_http_requests_total{route="/token",method="POST",status="400"} 1\n',
    );
    expect(text).toContain(
      'gatehouse_http_request_duration_seconds_bucket{route="/token",method="POST",le="0.0025"} 2\n',
    );
    expect(text).toContain(
      'gatehouse_http_request_duration_seconds_count{route="/token",method="POST"} 3\n',
    );
    expect(text).toContain('gatehouse_bcrypt_wait_seconds_count 1\n');
  });
});

describe(LabelChildren.name, () => {
  it('makes one child per combination and reuses it', () => {
    const made: string[][] = [];
    const sut = new LabelChildren(2, (values) => {
      made.push([...values]);
      return { values };
    });
    expect(sut.two('a', 'b')).toBe(sut.two('a', 'b'));
    expect(made).toEqual([['a', 'b']]);
  });

  it('records values past the cap as `other`, so series stay bounded', () => {
    const sut = new LabelChildren(1, (values) => values[0]);
    for (let i = 0; i < MAX_VALUES_PER_LABEL; i++) expect(sut.one(`v${i}`)).toBe(`v${i}`);
    expect(sut.one('one-too-many')).toBe('other');
    expect(sut.one('__proto__')).toBe('other');
    expect(sut.one('v0')).toBe('v0');
  });
});

describe('HTTP labels', () => {
  it('keeps the known methods and folds any other into `other`', () => {
    expect(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map(methodLabel)).toEqual([
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'PATCH',
      'DELETE',
      'OPTIONS',
    ]);
    expect([undefined, 'get', 'PROPFIND', 'X\u0000', '__proto__'].map(methodLabel)).toEqual([
      'other',
      'other',
      'other',
      'other',
      'other',
    ]);
  });

  it('labels status codes 100-599, anything else `other`', () => {
    expect([100, 200, 404, 599, 99, 600, -1, 1.5].map(statusLabel)).toEqual([
      '100',
      '200',
      '404',
      '599',
      'other',
      'other',
      'other',
      'other',
    ]);
  });
});
