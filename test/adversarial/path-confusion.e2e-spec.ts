import { expect } from 'expect';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  clientToken,
  createRole,
  createRule,
  createService,
  GatewayStyle,
  UUID,
} from '../support/access';
import { ACCEPTED, REFUSED } from '../support/path-vectors';
import { RawAnswer, rawBytes, rawRequest } from '../support/raw-http';
import { startTestApp, TestApp } from '../support/test-app';

const FORMS: GatewayStyle[] = ['nginx', 'caddy', 'envoy'];

/** A gateway request as each gateway form sends it, byte for byte over a socket. */
function asked(
  form: GatewayStyle,
  original: { method: string; uri: string; headers?: Record<string, string> },
) {
  const headers = original.headers ?? {};
  // Characters beyond latin1 go on the wire as their UTF-8 octets, as a client would send them.
  const uri = Buffer.from(original.uri, 'utf8').toString('latin1');
  switch (form) {
    case 'nginx':
      return {
        method: 'GET',
        target: '/access/gateway',
        headers: { ...headers, 'X-Original-Method': original.method, 'X-Original-URI': uri },
      };
    case 'caddy':
      return {
        method: 'GET',
        target: '/access/gateway',
        headers: {
          ...headers,
          'X-Forwarded-Method': original.method,
          'X-Forwarded-Uri': uri,
        },
      };
    case 'envoy':
      return { method: original.method, target: `/access/gateway${uri}`, headers };
  }
}

/** Whether a form can carry `uri` at all (HTTP/1.1 framing: RFC 9112 §3, §5). */
function carries(form: GatewayStyle, uri: string): boolean {
  // No header value holds CR, LF or NUL; a request target holds no control or space either.
  if (/[\0\r\n]/.test(uri)) return false;
  if (form !== 'envoy') return uri.length > 0 && !/^[\t ]|[\t ]$/.test(uri);
  // Envoy's path prefix is followed by the original path, which starts with /. Raw bytes
  // beyond ASCII never get that far: Node's HTTP parser refuses them (tested apart).
  return uri.startsWith('/') && !/[\0-\x20\x7f-\uffff]/.test(uri);
}

function expectRejected(answer: RawAnswer, label: string): void {
  const decisionId = answer.headers['x-decision-id'];
  expect({ label, status: answer.status, body: JSON.parse(answer.body) as unknown }).toEqual({
    label,
    status: 403,
    body: { allowed: false, reason: 'path_rejected', decision_id: decisionId },
  });
  expect(decisionId).toMatch(UUID);
  expect(answer.headers['www-authenticate']).toBeUndefined();
  expect(answer.headers['x-auth-subject']).toBeUndefined();
  expect(answer.headers['cache-control']).toBe('no-store');
}

/**
 * Path confusion at the gateway (docs/security/paths.md): with an anonymous `/public/**` rule
 * and a protected `/admin/**` one, no original URI whose meaning depends on how the upstream
 * decodes it is matched against any rule, in any of the three forms a gateway asks in, sent
 * over a real socket exactly as a client or gateway could send it.
 */
describe('path confusion at the gateway', () => {
  let sut: TestApp;
  let port: number;
  let adminToken: string;

  before(async () => {
    sut = await startTestApp();
    await createRule(sut, { path: '/public/**', methods: ['GET'], anonymous: true });
    await createRule(sut, { path: '/admin/**', permission: 'admin:manage' });
    await createRule(sut, { path: '/**/a/**/a/**/zz', permission: 'admin:manage' });
    const role = await createRole(sut, ['admin:manage']);
    adminToken = await clientToken(sut, await createService(sut, 'admin:manage', [role]));
    await sut.app.listen(0, '127.0.0.1');
    port = (sut.app.getHttpServer().address() as AddressInfo).port;
  });
  after(() => sut.close());

  const ask = (form: GatewayStyle, original: Parameters<typeof asked>[1]) =>
    rawRequest(port, asked(form, original));

  describe('every refused vector, in every form: 403 path_rejected before any rule', () => {
    for (const form of FORMS) {
      it(`${form}`, async () => {
        let sent = 0;
        for (const [uri, problem] of REFUSED) {
          if (!carries(form, uri)) continue;
          sent++;
          expectRejected(await ask(form, { method: 'GET', uri }), `${form} ${uri} (${problem})`);
          // A valid token changes nothing: the path is refused before the token is looked at.
          const withToken = await ask(form, {
            method: 'GET',
            uri,
            headers: { Authorization: `Bearer ${adminToken}` },
          });
          expectRejected(withToken, `${form} ${uri} with a token`);
        }
        expect(sent).toBeGreaterThan(form === 'envoy' ? 45 : 55);
      });
    }
  });

  it('the vectors of the report, named, in every form', async () => {
    for (const form of FORMS) {
      for (const uri of [
        '/public/..%2finvoices/1',
        '/public/..;/admin/x',
        '/public/..%3b/admin/x',
        '/public/..\\admin/x',
        '/public/..%5cadmin/x',
        '/public/%252e%252e/admin/x',
        '/public/%c0%ae%c0%ae/admin/x',
        '/public/%ef%bc%8e%ef%bc%8e/admin/x',
      ]) {
        expectRejected(await ask(form, { method: 'GET', uri }), `${form} ${uri}`);
      }
    }
  });

  it('raw full-width dots: refused in the header forms, and by the HTTP parser in the path form', async () => {
    const uri = '/public/\uff0e\uff0e/admin/x';
    for (const form of ['nginx', 'caddy'] as const) {
      expectRejected(await ask(form, { method: 'GET', uri }), `${form} ${uri}`);
    }
    // RFC 9112 §3.2: a request target is ASCII; Node answers 400 before any route runs.
    const answer = await ask('envoy', { method: 'GET', uri });
    expect({ status: answer.status, subject: answer.headers['x-auth-subject'] }).toEqual({
      status: 400,
      subject: undefined,
    });
  });

  it('paths that mean one thing still match, in every form', async () => {
    for (const form of FORMS) {
      for (const [uri] of ACCEPTED.filter(([uri]) => uri.startsWith('/public/'))) {
        const answer = await ask(form, { method: 'GET', uri });
        expect({ form, uri, status: answer.status, body: answer.body }).toEqual({
          form,
          uri,
          status: 200,
          body: '',
        });
        expect(answer.headers['x-decision-id']).toMatch(UUID);
      }
      const admin = await ask(form, { method: 'GET', uri: '/%61dmin//users/' });
      expect({ form, status: admin.status, reason: JSON.parse(admin.body).reason }).toEqual({
        form,
        status: 401,
        reason: 'token_missing',
      });
    }
  });

  describe('headers are believed only where the form says', () => {
    const spoof = {
      'X-Original-URI': '/public/x',
      'X-Original-Method': 'GET',
      'X-Forwarded-Uri': '/public/x',
      'X-Forwarded-Method': 'GET',
    };

    it('Envoy path form: a client’s own X-Original-* and X-Forwarded-* never override the path', async () => {
      for (const headers of <Record<string, string>[]>[
        spoof,
        { 'X-Original-URI': '/public/x' },
        { 'X-Forwarded-Uri': '/public/x' },
      ]) {
        const answer = await rawRequest(port, {
          method: 'GET',
          target: '/access/gateway/admin/users',
          headers,
        });
        expect({ status: answer.status, reason: JSON.parse(answer.body).reason }).toEqual({
          status: 401,
          reason: 'token_missing',
        });
        expect(answer.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      }
      // Nor does a spoofed header turn a refused path into an accepted one.
      expectRejected(
        await rawRequest(port, {
          method: 'GET',
          target: '/access/gateway/public/..;/admin/x',
          headers: spoof,
        }),
        'spoofed around a refused path',
      );
    });

    it('header forms: a request naming two original URIs is refused (Traefik and Caddy pass a client’s X-Original-* on)', async () => {
      const answer = await rawRequest(port, {
        method: 'GET',
        target: '/access/gateway',
        headers: {
          'X-Forwarded-Method': 'GET',
          'X-Forwarded-Uri': '/admin/users',
          'X-Original-URI': '/public/x',
        },
      });
      expectRejected(answer, 'two original URIs');
    });

    it('a header form takes its method from its own family, never from the other one', async () => {
      const answer = await rawRequest(port, {
        method: 'GET',
        target: '/access/gateway',
        headers: {
          'X-Forwarded-Method': 'DELETE',
          'X-Forwarded-Uri': '/public/x',
          'X-Original-Method': 'GET',
        },
      });
      expect({ status: answer.status, reason: JSON.parse(answer.body).reason }).toEqual({
        status: 403,
        reason: 'no_matching_rule',
      });
    });

    it('method-override headers are never honoured: the method judged is the one the gateway names', async () => {
      const overrides = {
        'X-HTTP-Method-Override': 'GET',
        'X-HTTP-Method': 'GET',
        'X-Method-Override': 'GET',
      };
      for (const form of FORMS) {
        const answer = await ask(form, { method: 'DELETE', uri: '/public/x', headers: overrides });
        expect({ form, status: answer.status, reason: JSON.parse(answer.body).reason }).toEqual({
          form,
          status: 403,
          reason: 'no_matching_rule',
        });
        expect(answer.headers['x-decision-id']).toMatch(UUID);
        // And the other way round: an override cannot turn an allowed GET into a denial either.
        const get = await ask(form, {
          method: 'GET',
          uri: '/public/x',
          headers: { 'X-HTTP-Method-Override': 'DELETE' },
        });
        expect({ form, status: get.status }).toEqual({ form, status: 200 });
      }
    });

    it('an absolute-form request target is no gateway request at all', async () => {
      // RFC 9112 §3.2.2: absolute-form is for proxies; Envoy sends origin-form.
      const answer = await rawRequest(port, {
        method: 'GET',
        target: `http://127.0.0.1:${port}/access/gateway/public/x`,
      });
      expect({ status: answer.status, decision: answer.headers['x-decision-id'] }).toEqual({
        status: 404,
        decision: undefined,
      });
    });

    it('an original URI header sent twice is refused (its values are joined with ", ")', async () => {
      const request = (name: string) =>
        `GET /access/gateway HTTP/1.1\r\nHost: x\r\n${name}: /admin/x\r\n${name}: /public/x\r\nConnection: close\r\n\r\n`;
      for (const name of ['X-Original-URI', 'X-Forwarded-Uri']) {
        expectRejected(await rawBytes(port, request(name)), `${name} twice`);
      }
    });

    it('/access/gateway without an original request in any form is refused', async () => {
      expectRejected(
        await rawRequest(port, { method: 'GET', target: '/access/gateway' }),
        'no original request',
      );
    });
  });

  it('explain refuses the same paths, with no rule, for a token or a subject', async () => {
    for (const who of [{ token: 'not-a-token' }, { subject: { type: 'client', id: 'nobody' } }]) {
      const response = await sut.admin('POST', '/admin/access/explain', {
        ...who,
        method: 'GET',
        path: '/public/..;/admin/x',
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 200,
        body: {
          allowed: false,
          reason: 'path_rejected',
          decision_id: expect.stringMatching(UUID),
          rule: null,
          rules: [],
          permission: null,
          token: null,
          client: null,
          subject: 'token' in who ? null : { type: 'client', id: 'nobody', known: false },
          binding: null,
          condition: null,
        },
      });
    }
  });

  describe('a rule with several ** answers fast over HTTP', () => {
    // The depth-first walk without memory took 2.4 s for /**/a/**/a/**/zz and 1,000 segments.
    const many = `/${Array<string>(5000).fill('a').join('/')}`;

    for (const form of FORMS) {
      it(`${form}: 5,000 segments, no match, well within a second`, async () => {
        const answer = await ask(form, { method: 'GET', uri: many });
        expect({ status: answer.status, reason: JSON.parse(answer.body).reason }).toEqual({
          status: 403,
          reason: 'no_matching_rule',
        });
        expect(answer.elapsed).toBeLessThan(1000);
        const matched = await ask(form, { method: 'GET', uri: `${many}/zz` });
        expect({ status: matched.status, reason: JSON.parse(matched.body).reason }).toEqual({
          status: 401,
          reason: 'token_missing',
        });
        expect(matched.elapsed).toBeLessThan(1000);
      });
    }

    it('a rule with more ** than the bound is refused with a 400 that says so', async () => {
      const response = await sut.admin('POST', '/admin/access-rules', {
        path: '/**/a/**/b/**/c/**/d/**/zz',
        permission: 'admin:manage',
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message: 'path: must have at most 4 ** segments',
          details: [{ field: 'path', problem: 'must have at most 4 ** segments' }],
        },
      });
    });
  });
});

describe('GATEWAY_FORMS: only the forms named are read', () => {
  let sut: TestApp;
  let port: number;

  before(async () => {
    sut = await startTestApp({ GATEWAY_FORMS: 'x-forwarded' });
    await createRule(sut, { path: '/public/**', methods: ['GET'], anonymous: true });
    await createRule(sut, { path: '/admin/**', permission: 'admin:manage' });
    await sut.app.listen(0, '127.0.0.1');
    port = (sut.app.getHttpServer().address() as AddressInfo).port;
  });
  after(() => sut.close());

  it('x-forwarded only: a client’s X-Original-* are never read, not even to refuse', async () => {
    const answer = await rawRequest(port, {
      method: 'GET',
      target: '/access/gateway',
      headers: {
        'X-Forwarded-Method': 'GET',
        'X-Forwarded-Uri': '/admin/users',
        'X-Original-Method': 'GET',
        'X-Original-URI': '/public/x',
      },
    });
    expect({ status: answer.status, reason: JSON.parse(answer.body).reason }).toEqual({
      status: 401,
      reason: 'token_missing',
    });
  });

  it('x-forwarded only: the nginx form and the path form are refused', async () => {
    expectRejected(
      await rawRequest(port, {
        method: 'GET',
        target: '/access/gateway',
        headers: { 'X-Original-Method': 'GET', 'X-Original-URI': '/public/x' },
      }),
      'nginx form',
    );
    expectRejected(
      await rawRequest(port, { method: 'GET', target: '/access/gateway/public/x' }),
      'path form',
    );
  });
});
