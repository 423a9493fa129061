import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/load-config';
import { MetricsEndpoint } from '../src/metrics/metrics.module';
import {
  check,
  clientToken,
  createRole,
  createRule,
  createService,
  Credentials,
  gateway,
  requestClientToken,
} from './support/access';
import { startTestApp, TestApp } from './support/test-app';

/** The value of one sample in a Prometheus text exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const inside = open === -1 ? '' : line.slice(open + 1, line.indexOf('}'));
    const have = inside === '' ? [] : inside.split(',');
    if (have.length === wanted.length && wanted.every((pair) => have.includes(pair))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return 0;
}

/** The lines (series) of one metric. */
function series(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('Prometheus metrics (docs/metrics.md)', () => {
  describe('with METRICS_PORT set', () => {
    let sut: TestApp;
    let base: string;
    let service: Credentials;
    let token: string;

    const scrape = async (): Promise<string> => {
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      return response.text();
    };

    before(async () => {
      sut = await startTestApp({ METRICS_PORT: '0' });
      base = `http://127.0.0.1:${sut.app.get(MetricsEndpoint).port}`;
      await createRule(sut, { path: '/api/**', permission: 'api:use' });
      const role = await createRole(sut, ['api:use']);
      service = await createService(sut, 'api:use', [role]);
      token = await clientToken(sut, service);
    });
    after(() => sut.close());

    it('counts a token issued by grant and client type, and its request by route pattern', async () => {
      const before = await scrape();
      const response = await requestClientToken(sut, service);
      expect(response.statusCode).toBe(200);
      const after = await scrape();
      const issued = { grant_type: 'client_credentials', client_type: 'm2m' };
      expect(sample(after, 'gatehouse_tokens_issued_total', issued)).toBe(
        sample(before, 'gatehouse_tokens_issued_total', issued) + 1,
      );
      const request = { route: '/token', method: 'POST', status: '200' };
      expect(sample(after, 'gatehouse_http_requests_total', request)).toBe(
        sample(before, 'gatehouse_http_requests_total', request) + 1,
      );
      const timed = { route: '/token', method: 'POST' };
      expect(sample(after, 'gatehouse_http_request_duration_seconds_count', timed)).toBe(
        sample(before, 'gatehouse_http_request_duration_seconds_count', timed) + 1,
      );
    });

    it('counts a client authentication failure by method', async () => {
      const before = await scrape();
      const response = await requestClientToken(sut, { ...service, client_secret: 'wrong' });
      expect(response.statusCode).toBe(401);
      const after = await scrape();
      const labels = { method: 'client_secret_basic' };
      expect(sample(after, 'gatehouse_client_auth_failures_total', labels)).toBe(
        sample(before, 'gatehouse_client_auth_failures_total', labels) + 1,
      );
    });

    it('counts gateway decisions by surface and reason, with their latency, on the hot route', async () => {
      const before = await scrape();
      const allowed = () => gateway(sut, { token, method: 'GET', uri: '/api/things' });
      expect((await allowed()).statusCode).toBe(200);
      const afterFirst = await scrape();
      expect((await allowed()).statusCode).toBe(200);
      expect((await gateway(sut, { method: 'GET', uri: '/api/things' })).statusCode).toBe(401);
      const after = await scrape();
      const decisions = (text: string, reason: string) =>
        sample(text, 'gatehouse_access_decisions_total', { surface: 'gateway', reason });
      expect(decisions(after, 'allowed')).toBe(decisions(before, 'allowed') + 2);
      expect(decisions(after, 'token_missing')).toBe(decisions(before, 'token_missing') + 1);
      const timed = { surface: 'gateway' };
      expect(sample(after, 'gatehouse_access_decision_duration_seconds_count', timed)).toBe(
        sample(before, 'gatehouse_access_decision_duration_seconds_count', timed) + 3,
      );
      const requests = (text: string, status: string) =>
        sample(text, 'gatehouse_http_requests_total', {
          route: '/access/gateway',
          method: 'GET',
          status,
        });
      expect(requests(after, '200')).toBe(requests(before, '200') + 2);
      expect(requests(after, '401')).toBe(requests(before, '401') + 1);
      // The token's first use verifies its signature; the second finds it verified.
      const lookups = (text: string, result: string) =>
        sample(text, 'gatehouse_cache_requests_total', { cache: 'verified_token', result });
      expect(lookups(afterFirst, 'miss')).toBe(lookups(before, 'miss') + 1);
      expect(lookups(afterFirst, 'hit')).toBe(lookups(before, 'hit'));
      expect(lookups(after, 'hit')).toBe(lookups(afterFirst, 'hit') + 1);
    });

    it('counts /access/check and explain decisions under their own surfaces', async () => {
      const before = await scrape();
      const checked = await check(sut, token, 'api', 'use');
      expect(checked.statusCode).toBe(200);
      const explained = await sut.admin('POST', '/admin/access/explain', {
        token,
        method: 'GET',
        path: '/elsewhere',
      });
      expect(explained.statusCode).toBe(200);
      expect(explained.json().reason).toBe('no_matching_rule');
      const after = await scrape();
      const decisions = (text: string, surface: string, reason: string) =>
        sample(text, 'gatehouse_access_decisions_total', { surface, reason });
      expect(decisions(after, 'check', 'allowed')).toBe(decisions(before, 'check', 'allowed') + 1);
      expect(decisions(after, 'explain', 'no_matching_rule')).toBe(
        decisions(before, 'explain', 'no_matching_rule') + 1,
      );
      const requests = (text: string) =>
        sample(text, 'gatehouse_http_requests_total', {
          route: '/access/check',
          method: 'POST',
          status: '200',
        });
      expect(requests(after)).toBe(requests(before) + 1);
    });

    it('reports readiness, the signing key age and Node process metrics', async () => {
      const text = await scrape();
      for (const component of ['database', 'access_state', 'revocation_list']) {
        expect(sample(text, 'gatehouse_readiness', { component })).toBe(1);
      }
      expect(series(text, 'gatehouse_signing_key_age_seconds')).toHaveLength(1);
      expect(text).toContain('\ngatehouse_process_cpu_user_seconds_total ');
      expect(text).toContain('\ngatehouse_nodejs_eventloop_lag_seconds ');
    });

    it('times the waits for a database pool connection', async () => {
      const count = 'gatehouse_db_pool_wait_seconds_count';
      const before = sample(await scrape(), count);
      await createRole(sut, ['api:pool']);
      const after = sample(await scrape(), count);
      expect(after).toBeGreaterThan(before);
      const waited = sample(await scrape(), 'gatehouse_db_pool_wait_seconds_sum');
      expect(waited).toBeGreaterThan(0);
    });

    it('is not served on the public port', async () => {
      const response = await sut.request({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('gatehouse_');
    });

    it('answers 404 for another path and 405 for another method on the metrics port', async () => {
      const other = await fetch(`${base}/metrics/x`);
      expect(other.status).toBe(404);
      expect(await other.text()).toBe('Not Found\n');
      const posted = await fetch(`${base}/metrics`, { method: 'POST' });
      expect(posted.status).toBe(405);
      expect(posted.headers.get('allow')).toBe('GET, HEAD');
    });

    it('makes no new series for random paths or methods: they are `unmatched` and `other`', async () => {
      await sut.request({ method: 'GET', url: '/no-such-route-warmup' });
      await sut.request({ method: 'PROPFIND', url: '/no-such-route-warmup' });
      const before = series(await scrape(), 'gatehouse_http_requests_total');
      for (let i = 0; i < 40; i++) {
        const path = `/attack/${Math.random().toString(36).slice(2)}/${i}`;
        await sut.request({ method: 'GET', url: path });
        await sut.request({ method: 'PROPFIND', url: path });
      }
      const text = await scrape();
      const after = series(text, 'gatehouse_http_requests_total');
      expect(after.map((line) => line.split(' ')[0]).sort()).toEqual(
        before.map((line) => line.split(' ')[0]).sort(),
      );
      expect(text).not.toContain('/attack/');
      expect(text).not.toContain('PROPFIND');
      expect(
        sample(text, 'gatehouse_http_requests_total', {
          route: 'unmatched',
          method: 'other',
          status: '404',
        }),
      ).toBeGreaterThanOrEqual(41);
      expect(
        sample(text, 'gatehouse_http_requests_total', {
          route: 'unmatched',
          method: 'GET',
          status: '404',
        }),
      ).toBeGreaterThanOrEqual(41);
    });

    it('counts requests the edge refuses before routing as `refused_at_edge`', async () => {
      const labels = { route: 'refused_at_edge', method: 'GET', status: '400' };
      const before = sample(await scrape(), 'gatehouse_http_requests_total', labels);
      const refused = await sut.request({ method: 'GET', url: '/admin/clients/%C0%AF' });
      expect(refused.statusCode).toBe(400);
      const text = await scrape();
      expect(sample(text, 'gatehouse_http_requests_total', labels)).toBe(before + 1);
      expect(text).not.toContain('%C0');
      expect(
        sample(text, 'gatehouse_http_request_duration_seconds_count', {
          route: 'refused_at_edge',
          method: 'GET',
        }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('closes the metrics listener on shutdown', async () => {
      const other = await startTestApp({ METRICS_PORT: '0' });
      const port = other.app.get(MetricsEndpoint).port;
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
      await other.close();
      await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow('fetch failed');
    });
  });

  describe('with METRICS_PORT unset', () => {
    it('opens no listener and records nothing', async () => {
      const sut = await startTestApp();
      try {
        expect(sut.app.get(MetricsEndpoint).port).toBeUndefined();
        expect(sut.config.metrics).toBeUndefined();
        expect((await sut.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      } finally {
        await sut.close();
      }
    });
  });

  describe('settings', () => {
    it('refuses METRICS_PORT equal to PORT, and a bad METRICS_PORT', () => {
      expect(() => loadConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(
        'METRICS_PORT: must differ from PORT (metrics are never on the public listener)',
      );
      expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow('METRICS_PORT');
      expect(() => loadConfig({ METRICS_PORT: 'abc' })).toThrow('METRICS_PORT');
    });

    it('listens on 127.0.0.1 unless METRICS_HOST says otherwise', () => {
      expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({
        host: '127.0.0.1',
        port: 9464,
      });
      expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({
        host: '0.0.0.0',
        port: 9464,
      });
    });
  });
});
