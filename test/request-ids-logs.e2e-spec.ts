import { expect } from 'expect';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  basicAuth,
  startTestApp,
  TestApp,
} from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type LogLine = Record<string, unknown>;

/** Every log line the application writes, as parsed JSON, and the raw text. */
function capturedLogs() {
  const lines: LogLine[] = [];
  let text = '';
  return {
    lines,
    text: () => text,
    clear: () => {
      lines.length = 0;
      text = '';
    },
    destination: {
      write: (line: string) => {
        text += line;
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  };
}

describe('request ids and logs (docs/observability.md)', () => {
  let sut: TestApp;
  const logs = capturedLogs();
  let adminToken: string;
  before(async () => {
    sut = await startTestApp(
      { LOG_LEVEL: 'debug', DECISION_LOG_SAMPLE_RATE: '1' },
      { logDestination: logs.destination },
    );
    adminToken = await sut.adminToken();
  });
  after(() => sut.close());

  describe('start-up', () => {
    it('writes Nest’s module and route-mapping chatter at debug, never at info', () => {
      const chatter = logs.lines.filter(
        (line) =>
          typeof line.msg === 'string' &&
          /Mapped \{|dependencies initialized|Nest application successfully started/.test(line.msg),
      );
      expect(chatter.some((line) => String(line.msg).startsWith('Mapped {/token, POST}'))).toBe(
        true,
      );
      expect(chatter.map((line) => line.level)).toEqual(chatter.map(() => 20));
    });
  });

  describe('X-Request-ID', () => {
    beforeEach(() => logs.clear());

    const tokenRequest = (headers: Record<string, string>) =>
      sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET), ...headers },
      );

    it('echoes a sent id on a Fastify route and puts it in the request’s log line', async () => {
      const response = await tokenRequest({ 'x-request-id': 'req-token-1' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-request-id']).toBe('req-token-1');
      expect(logs.lines).toEqual([
        expect.objectContaining({
          level: 30,
          service: 'gatehouse',
          log: 'request',
          msg: 'request answered',
          request_id: 'req-token-1',
          method: 'POST',
          path: '/token',
          route: '/token',
          status: 200,
          duration_ms: expect.any(Number),
        }),
      ]);
    });

    it('echoes it on errors, with the same id in the error’s log line', async () => {
      const response = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(ADMIN_CLIENT_ID, 'wrong-secret'), 'x-request-id': 'req-401' },
      );
      expect(response.statusCode).toBe(401);
      expect(response.headers['x-request-id']).toBe('req-401');
      expect(logs.lines.length).toBeGreaterThanOrEqual(2);
      for (const line of logs.lines) expect(line.request_id).toBe('req-401');
      expect(logs.lines.at(-1)).toMatchObject({ msg: 'request answered', status: 401 });
    });

    it('echoes it on the hot routes, answers and errors, and in their decision lines', async () => {
      const gateway = await sut.request({
        method: 'GET',
        url: '/access/gateway',
        headers: {
          authorization: `Bearer ${adminToken}`,
          'x-original-method': 'GET',
          'x-original-uri': '/api/invoices',
          'x-request-id': 'req-gateway',
        },
      });
      expect(gateway.headers['x-request-id']).toBe('req-gateway');
      expect(logs.lines).toEqual([
        expect.objectContaining({ log: 'access-decision', request_id: 'req-gateway' }),
      ]);
      const check = await sut.request({
        method: 'POST',
        url: '/access/check',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-check-400' },
        payload: '{"method": ',
      });
      expect(check.statusCode).toBe(400);
      expect(check.headers['x-request-id']).toBe('req-check-400');
      const refused = await sut.request({
        method: 'GET',
        url: '/access/check/%00',
        headers: { 'x-request-id': 'req-edge-400' },
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.headers['x-request-id']).toBe('req-edge-400');
    });

    it('replaces a missing, long, spaced or non-ASCII id with a new UUID, the same in the logs', async () => {
      for (const sent of [undefined, 'x'.repeat(129), 'a b', 'caf\u00e9', '"quoted"\u0000']) {
        logs.clear();
        const response = await tokenRequest(sent === undefined ? {} : { 'x-request-id': sent });
        const id = response.headers['x-request-id'];
        expect(id).toMatch(UUID);
        expect(logs.lines.map((line) => line.request_id)).toEqual([id]);
      }
      const gateway = await sut.request({ method: 'GET', url: '/access/gateway' });
      expect(gateway.headers['x-request-id']).toMatch(UUID);
    });

    it('keeps 128 visible ASCII characters as sent', async () => {
      const longest = '~'.repeat(64) + '!'.repeat(64);
      const response = await tokenRequest({ 'x-request-id': longest });
      expect(response.headers['x-request-id']).toBe(longest);
      expect(logs.lines[0].request_id).toBe(longest);
    });

    it('keeps each request’s id apart when requests overlap', async () => {
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, i) => tokenRequest({ 'x-request-id': `overlap-${i}` })),
      );
      expect(responses.map((response) => response.headers['x-request-id'])).toEqual(
        responses.map((_, i) => `overlap-${i}`),
      );
      expect(logs.lines.map((line) => line.request_id).sort()).toEqual(
        responses.map((_, i) => `overlap-${i}`),
      );
    });
  });

  describe('no secrets in the logs', () => {
    beforeEach(() => logs.clear());

    it('never logs the client secret, the token, the Authorization header, cookies, bodies or queries', async () => {
      const client = await sut.admin('POST', '/admin/clients', {
        client_name: 'log probe',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      });
      expect(client.statusCode).toBe(201);
      const { client_id: clientId, client_secret: secret } = client.json();
      logs.clear();
      const issued = await sut.postForm(
        '/token?code=query-code-4711&access_token=query-token-4711',
        { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
        { cookie: 'gh_session=cookie-session-4711' },
      );
      const token = issued.json().access_token as string;
      const refused = await sut.postForm('/token', {
        grant_type: 'authorization_code',
        code: 'body-code-4711',
        client_id: clientId,
        client_secret: `${secret}-wrong`,
      });
      expect(refused.statusCode).toBe(401);
      const used = await sut.request({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `Bearer ${token}` },
      });
      const gateway = await sut.request({
        method: 'GET',
        url: '/access/gateway',
        headers: {
          authorization: `Bearer ${token}`,
          'x-original-method': 'GET',
          'x-original-uri': '/api/x?token=query-token-4711',
        },
      });
      expect([issued.statusCode, used.statusCode, gateway.statusCode]).toEqual([200, 403, 403]);
      expect(logs.lines.length).toBeGreaterThanOrEqual(4);
      const text = logs.text();
      for (const secretPart of [
        secret,
        token,
        token.split('.')[2],
        'query-code-4711',
        'query-token-4711',
        'body-code-4711',
        'cookie-session-4711',
        'Basic ',
        'Bearer ',
        'authorization',
        'cookie',
      ]) {
        expect(text).not.toContain(secretPart);
      }
      expect(logs.lines.map((line) => line.path)).toContain('/token');
    });
  });
});
