import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { formBody, InjectResult, startTestApp, TestApp } from './support/test-app';

const BODY_LIMIT = 2048;

/** Every error is JSON, never cached, and never shows how the server is built inside. */
function expectCleanError(response: InjectResult): void {
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(() => response.json()).not.toThrow();
  expect(response.body).not.toMatch(/\bat \S+ \(|\.[jt]s:\d+|node_modules|stack|Error:/);
}

/** The admin API's error shape (docs/endpoints.md, Admin API). */
function expectAdminError(response: InjectResult, status: number, error: string): void {
  expectCleanError(response);
  expect(response.statusCode).toBe(status);
  expect(response.json()).toEqual({ error, message: expect.any(String) });
}

/** RFC 6749 §5.2. */
function expectOAuthError(response: InjectResult, status: number, error: string): void {
  expectCleanError(response);
  expect(response.statusCode).toBe(status);
  expect(response.json()).toEqual({ error, error_description: expect.any(String) });
}

describe('errors: bad requests are 4xx in the contract shape, never 500', () => {
  let sut: TestApp;
  let token: string;
  before(async () => {
    sut = await startTestApp({ BODY_LIMIT: String(BODY_LIMIT) });
    token = await sut.adminToken();
  });
  after(() => sut.close());

  const adminPost = (contentType: string, payload: string) =>
    sut.request({
      method: 'POST',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      payload,
    });
  const tokenPost = (contentType: string, payload: string) =>
    sut.request({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': contentType },
      payload,
    });

  describe('malformed JSON', () => {
    it('answers 400 invalid_request in the admin shape for a truncated JSON body', async () => {
      const response = await adminPost('application/json', '{"client_name": "x", ');
      expectAdminError(response, 400, 'invalid_request');
      expect(response.json().message).toBe('the body is not valid JSON');
    });

    it('answers 400 for an empty body declared as JSON', async () => {
      const response = await adminPost('application/json', '');
      expectAdminError(response, 400, 'invalid_request');
      expect(response.json().message).toBe('the JSON body is empty');
    });

    it('answers 400 for a JSON body with __proto__ (prototype poisoning)', async () => {
      expectAdminError(
        await adminPost('application/json', '{"client_name":"x","__proto__":{"admin":true}}'),
        400,
        'invalid_request',
      );
    });

    for (const payload of ['null', '"a string"', '42', '[{"client_name":"x"}]']) {
      it(`answers 400 for a JSON body that is not an object: ${payload}`, async () => {
        const response = await adminPost('application/json', payload);
        expectCleanError(response);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ error: 'invalid_request' });
      });
    }

    it('answers 400 in the RFC 6749 shape for malformed JSON sent to /token', async () => {
      expectOAuthError(
        await tokenPost('application/json', '{"grant_type":'),
        400,
        'invalid_request',
      );
    });
  });

  describe('wrong content type', () => {
    it('answers 4xx, not 500, to text/plain on an admin POST', async () => {
      const response = await adminPost('text/plain', '{"client_name":"x","client_type":"m2m"}');
      expectCleanError(response);
      expect([400, 415]).toContain(response.statusCode);
      expect(response.json()).toMatchObject({
        error: 'invalid_request',
        message: expect.any(String),
      });
    });

    it('answers 415 to a media type the server does not parse', async () => {
      expectAdminError(await adminPost('application/xml', '<client/>'), 415, 'invalid_request');
    });

    it('answers 400 invalid_request to a JSON body at /token (RFC 6749 §3.2 wants a form)', async () => {
      expectOAuthError(
        await tokenPost('application/json', '{"grant_type":"client_credentials"}'),
        400,
        'invalid_request',
      );
    });

    it('answers 400 invalid_request to text/plain at /token', async () => {
      expectOAuthError(
        await tokenPost('text/plain', 'grant_type=client_credentials'),
        400,
        'invalid_request',
      );
    });
  });

  describe(`bodies over BODY_LIMIT (${BODY_LIMIT} bytes)`, () => {
    it('answers 413 in the admin shape on /admin', async () => {
      const payload = JSON.stringify({ client_name: 'x'.repeat(BODY_LIMIT), client_type: 'm2m' });
      expectAdminError(await adminPost('application/json', payload), 413, 'invalid_request');
    });

    it('answers 413 in the RFC 6749 shape on /token', async () => {
      const payload = formBody({ grant_type: 'client_credentials', scope: 'a'.repeat(BODY_LIMIT) });
      expectOAuthError(
        await tokenPost('application/x-www-form-urlencoded', payload),
        413,
        'invalid_request',
      );
    });

    it('accepts a body just under the limit', async () => {
      const payload = JSON.stringify({ client_name: 'x'.repeat(150), client_type: 'm2m' });
      expect(payload.length).toBeLessThan(BODY_LIMIT);
      expect((await adminPost('application/json', payload)).statusCode).toBe(201);
    });
  });

  describe('POST /access/check, served from node:http ahead of Fastify', () => {
    const checkPost = (contentType: string | undefined, payload: string) =>
      sut.request({
        method: 'POST',
        url: '/access/check',
        headers: {
          authorization: `Bearer ${token}`,
          ...(contentType === undefined ? {} : { 'content-type': contentType }),
        },
        payload,
      });
    const answer = (response: InjectResult) => ({
      status: response.statusCode,
      type: response.headers['content-type'],
      cache: response.headers['cache-control'],
      body: response.json(),
    });

    it('answers a bad body exactly as the routes behind Fastify do', async () => {
      const big = JSON.stringify({ resource: 'x'.repeat(BODY_LIMIT) });
      const cases: Array<[string | undefined, string, number]> = [
        ['application/json', '{"resource": "x", ', 400],
        ['application/json', '', 400],
        ['application/json', '{"__proto__": {"admin": true}}', 400],
        ['application/json', big, 413],
        ['application/octet-stream', 'binary', 415],
      ];
      for (const [contentType, payload, status] of cases) {
        const check = await checkPost(contentType, payload);
        expectCleanError(check);
        expect(check.statusCode).toBe(status);
        const admin = await sut.request({
          method: 'POST',
          url: '/admin/clients',
          headers: {
            authorization: `Bearer ${token}`,
            ...(contentType === undefined ? {} : { 'content-type': contentType }),
          },
          payload,
        });
        expect(answer(check)).toEqual(answer(admin));
      }
    });

    it('answers 415 to a body that is not declared JSON, text/plain or none (RFC 9110 §8.3)', async () => {
      for (const contentType of ['text/plain', undefined]) {
        const response = await checkPost(contentType, '{"resource": "x", "action": "read"}');
        expectAdminError(response, 415, 'invalid_request');
        expect(response.json().message).toBe('unsupported Content-Type');
      }
    });

    it('answers 404 like any unknown route to a method it does not have', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const response = await sut.request({ method, url: '/access/check' });
        expectAdminError(response, 404, 'not_found');
        expect(response.json().message).toBe(`Cannot ${method} /access/check`);
      }
    });
  });

  describe('unknown routes', () => {
    it('answers 404 not_found as JSON for an unknown path', async () => {
      const response = await sut.request({ method: 'GET', url: '/no/such/route' });
      expectAdminError(response, 404, 'not_found');
    });

    it('answers 404 for an unknown admin path, with a valid token', async () => {
      const response = await sut.admin('GET', '/admin/widgets');
      expectAdminError(response, 404, 'not_found');
    });

    it('answers 404 for a method the route does not have', async () => {
      const response = await sut.admin('PUT', '/admin/clients', {});
      expectAdminError(response, 404, 'not_found');
    });
  });

  describe('every error response', () => {
    it('is JSON without a stack trace, whatever went wrong', async () => {
      const big = 'x'.repeat(BODY_LIMIT * 2);
      const responses = await Promise.all([
        adminPost('application/json', '{'),
        adminPost('application/json', '{"client_name": 5}'),
        adminPost('application/json', '{"client_name": "x", "unknown": 1}'),
        adminPost('application/json', JSON.stringify({ client_name: big })),
        adminPost('text/plain', 'hello'),
        adminPost('application/octet-stream', 'binary'),
        tokenPost('application/json', '{'),
        tokenPost('application/x-www-form-urlencoded', `scope=${big}`),
        tokenPost('application/x-www-form-urlencoded', 'grant_type=password'),
        tokenPost(
          'application/x-www-form-urlencoded',
          'grant_type=client_credentials&grant_type=client_credentials',
        ),
        sut.request({ method: 'GET', url: '/admin/clients' }),
        sut.request({
          method: 'GET',
          url: '/admin/clients',
          headers: { authorization: 'Bearer not.a.jwt' },
        }),
        sut.admin('GET', '/admin/clients/unknown-client'),
        sut.admin('GET', '/admin/clients?limit=-5'),
        sut.admin('DELETE', '/admin/clients/unknown-client'),
        sut.request({ method: 'GET', url: '/nothing-here' }),
        sut.request({ method: 'DELETE', url: '/token' }),
      ]);
      for (const response of responses) expectCleanError(response);
    });
  });
});
