import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { accessTokenClaims, signWithServerKey } from '../support/access';
import { dpopKey, dpopProof } from '../support/dpop';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';
import {
  Answer,
  Gateway,
  GatewayAddresses,
  send,
  startUnavailableGatehouse,
  Upstream,
} from './support/gateways';
import { freePort } from '../support/free-port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHALLENGE = 'Bearer realm="gatehouse"';
const INVALID_TOKEN_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token"';
/** deploy/nginx answers 503 with this body when the decision could not be had. */
const NGINX_UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'the access decision is unavailable',
};

interface Client {
  client_id: string;
  client_secret: string;
}

type Start = (addresses: GatewayAddresses) => Promise<Gateway>;

/** A gateway's own answer when it got no decision: status and body (JSON, or '' for none). */
interface Failure {
  status: number;
  body: unknown;
}

/** How each gateway says "Gatehouse could not be reached" and "Gatehouse could not tell". */
const GATEWAYS: {
  name: string;
  start: Start;
  unreachable: Failure;
  cannotTell: Failure;
  /** Whether a denial reaches the client with Gatehouse's own JSON body. */
  passesDenialBody: boolean;
}[] = [
  {
    // auth_request turns any answer but 2xx, 401 and 403 into 500; the config makes it a 503.
    name: 'nginx auth_request',
    start: (addresses) => Gateway.nginx(addresses),
    unreachable: { status: 503, body: NGINX_UNAVAILABLE },
    cannotTell: { status: 503, body: NGINX_UNAVAILABLE },
    passesDenialBody: false,
  },
  {
    // forward_auth hands back Gatehouse's own answer, or reverse_proxy's bare 502 without one.
    name: 'Caddy forward_auth',
    start: (addresses) => Gateway.caddy(addresses),
    unreachable: { status: 502, body: '' },
    cannotTell: { status: 503, body: { error: 'temporarily_unavailable' } },
    passesDenialBody: true,
  },
];

/**
 * Debian's nginx and Caddy, started with the configurations in deploy/ in front of a small
 * upstream that echoes what it receives, and Gatehouse on a real port (docs/gateways.md).
 * Whatever Gatehouse says or fails to say, only its 2xx lets a request reach the
 * upstream, and the upstream can trust the X-Auth-* headers it gets.
 */
describe('API gateways (Debian nginx and Caddy) with the deploy/ configurations', () => {
  let sut: TestApp;
  let sutClosed = false;
  let gatehouseUrl: string;
  let upstream: Upstream;
  let unavailable: { url: string; close(): Promise<void> };
  const gateways = new Map<string, { live: Gateway; unreachable: Gateway; cannotTell: Gateway }>();
  /** Every gateway process started, stopped in `after` even when `before` failed half-way. */
  const started: Gateway[] = [];
  let reader: Client;
  /** invoices:read, held through a role. */
  let readerToken: string;
  /** reports:read only. */
  let otherToken: string;

  async function register(name: string, scope: string, role: string): Promise<Client> {
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: name,
      client_type: 'm2m',
      scope,
    });
    expect(created.statusCode).toBe(201);
    const { client_id, client_secret } = created.json<Client>();
    const roles = await sut.admin('PUT', `/admin/clients/${client_id}/roles`, { roles: [role] });
    expect({ status: roles.statusCode, body: roles.json() }).toEqual({
      status: 200,
      body: { roles: [role] },
    });
    return { client_id, client_secret };
  }

  async function token(client: Client, scope: string): Promise<string> {
    const response = await sut.postForm(
      '/token',
      { grant_type: 'client_credentials', scope },
      { authorization: basicAuth(client.client_id, client.client_secret) },
    );
    expect({ status: response.statusCode, scope: response.json().scope }).toEqual({
      status: 200,
      scope,
    });
    return response.json().access_token as string;
  }

  /** Denied requests must never reach the upstream. */
  async function withoutUpstream(request: () => Promise<Answer>): Promise<Answer> {
    const before = upstream.hits.length;
    const answer = await request();
    expect(upstream.hits.slice(before)).toEqual([]);
    return answer;
  }

  const json = (answer: Answer): unknown => JSON.parse(answer.body);
  /** Status and body, the body parsed when there is one. */
  const failure = (answer: Answer): Failure => ({
    status: answer.status,
    body: answer.body === '' ? '' : json(answer),
  });

  before(async () => {
    sut = await startTestApp();
    await sut.app.listen(0, '127.0.0.1');
    const { port } = sut.app.getHttpServer().address() as AddressInfo;
    gatehouseUrl = `http://127.0.0.1:${port}`;
    upstream = await Upstream.start();
    unavailable = await startUnavailableGatehouse();

    const suffix = randomBytes(4).toString('hex');
    for (const [name, permission] of [
      [`invoice-reader-${suffix}`, 'invoices:read'],
      [`report-reader-${suffix}`, 'reports:read'],
    ]) {
      const role = await sut.admin('POST', '/admin/roles', { name, permissions: [permission] });
      expect(role.statusCode).toBe(201);
    }
    reader = await register('invoice reader', 'invoices:read', `invoice-reader-${suffix}`);
    const other = await register('report reader', 'reports:read', `report-reader-${suffix}`);
    // The anonymous rule first: once the other one decides, both are in the state.
    const open = await sut.admin('POST', '/admin/access-rules', {
      methods: ['GET'],
      path: '/public/**',
      anonymous: true,
    });
    expect(open.statusCode).toBe(201);
    const rule = await sut.admin('POST', '/admin/access-rules', {
      methods: ['GET'],
      path: '/invoices/**',
      permission: 'invoices:read',
    });
    expect(rule.statusCode).toBe(201);
    readerToken = await token(reader, 'invoices:read');
    otherToken = await token(other, 'reports:read');

    // Gatehouse itself allows the request before any gateway is asked (state within 1 s).
    const ask = () =>
      send(gatehouseUrl, {
        path: '/access/gateway/invoices/1',
        headers: { authorization: `Bearer ${readerToken}` },
      });
    const deadline = Date.now() + 5_000;
    let direct = await ask();
    while (direct.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      direct = await ask();
    }
    expect({ status: direct.status, body: direct.body }).toEqual({ status: 200, body: '' });

    const closedPort = await freePort();
    const upstreamUrl = upstream.url;
    for (const gateway of GATEWAYS) {
      const start = async (addresses: GatewayAddresses) => {
        const instance = await gateway.start(addresses);
        started.push(instance);
        return instance;
      };
      gateways.set(gateway.name, {
        live: await start({ gatehouseUrl, upstreamUrl }),
        unreachable: await start({ gatehouseUrl: `http://127.0.0.1:${closedPort}`, upstreamUrl }),
        cannotTell: await start({ gatehouseUrl: unavailable.url, upstreamUrl }),
      });
    }
  });

  after(async () => {
    await Promise.allSettled(started.map((gateway) => gateway.stop()));
    await Promise.allSettled([upstream?.close(), unavailable?.close()]);
    if (sut && !sutClosed) await sut.close();
  });

  for (const { name, unreachable, cannotTell, passesDenialBody } of GATEWAYS) {
    describe(`through ${name}`, () => {
      const live = () => gateways.get(name)!.live.url;
      const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

      it('no token: 401 with a Bearer challenge, and the upstream never sees the request', async () => {
        const answer = await withoutUpstream(() => send(live(), { path: '/invoices/42' }));
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe(CHALLENGE);
        expect(answer.headers['x-decision-id']).toMatch(UUID);
      });

      it('a token that does not verify: 401 with error="invalid_token"', async () => {
        const forged = `${readerToken.slice(0, -4)}AAAA`;
        const answer = await withoutUpstream(() =>
          send(live(), { path: '/invoices/42', headers: bearer(forged) }),
        );
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
      });

      it('a token without the permission the rule names: 403, no challenge', async () => {
        const answer = await withoutUpstream(() =>
          send(live(), { path: '/invoices/42', headers: bearer(otherToken) }),
        );
        expect(answer.status).toBe(403);
        expect(answer.headers['www-authenticate']).toBeUndefined();
        expect(answer.headers['x-decision-id']).toMatch(UUID);
      });

      it("allowed: the request reaches the upstream carrying X-Auth-*, and the upstream's answer comes back", async () => {
        const before = upstream.hits.length;
        const answer = await send(live(), {
          path: '/invoices/42?expand=lines',
          headers: bearer(readerToken),
        });
        expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({
          status: 200,
          type: 'application/json',
        });
        expect(answer.headers['x-upstream']).toBe('echo');
        expect(upstream.hits.length).toBe(before + 1);
        expect(json(answer)).toEqual({
          method: 'GET',
          url: '/invoices/42?expand=lines',
          headers: expect.objectContaining({
            authorization: `Bearer ${readerToken}`,
            'x-auth-subject': reader.client_id,
            'x-auth-client-id': reader.client_id,
            'x-auth-scope': 'invoices:read',
            'x-decision-id': expect.stringMatching(UUID),
          }),
        });
        expect(json(answer)).toEqual(JSON.parse(JSON.stringify(upstream.hits[before])));
      });

      it('a DPoP-bound token passes with its proof for this request, and fails without (RFC 9449 §7)', async () => {
        const key = await dpopKey('ES256');
        const bound = await signWithServerKey(
          sut,
          accessTokenClaims(sut, reader.client_id, {
            scope: 'invoices:read',
            cnf: { jkt: key.jkt },
          }),
        );
        // The URL the client addressed: the gateway's, with its port (docs/gateways.md).
        const htu = `${live()}/invoices/42`;
        const dpop = (method: string, url: string) =>
          dpopProof(key, { htm: method, htu: url, accessToken: bound });
        const asked = (headers: Record<string, string>) =>
          send(live(), {
            path: '/invoices/42?expand=lines',
            headers: { authorization: `DPoP ${bound}`, ...headers },
          });

        const before = upstream.hits.length;
        const allowed = await asked({ dpop: await dpop('GET', htu) });
        expect(allowed.status).toBe(200);
        expect(upstream.hits.length).toBe(before + 1);
        expect(upstream.hits[before].headers).toMatchObject({
          'x-auth-subject': reader.client_id,
          'x-auth-scope': 'invoices:read',
        });

        const challenge = 'DPoP algs="ES256 RS256 PS256 EdDSA", error="invalid_dpop_proof"';
        const replayed = await dpop('GET', htu);
        expect((await asked({ dpop: replayed })).status).toBe(200);
        for (const headers of <Record<string, string>[]>[
          {},
          { dpop: replayed },
          { dpop: await dpop('POST', htu) },
          { dpop: await dpop('GET', `${live()}/invoices/43`) },
          { dpop: await dpop('GET', htu.replace('127.0.0.1', 'localhost')) },
        ]) {
          const denied = await withoutUpstream(() => asked(headers));
          expect({
            status: denied.status,
            challenge: denied.headers['www-authenticate'],
          }).toEqual({ status: 401, challenge });
          if (passesDenialBody) {
            expect(json(denied)).toEqual({
              allowed: false,
              reason: 'binding_mismatch',
              decision_id: denied.headers['x-decision-id'],
            });
          }
        }
        const fresh = await dpop('GET', htu);
        const asBearer = await withoutUpstream(() =>
          send(live(), {
            path: '/invoices/42',
            headers: { authorization: `Bearer ${bound}`, dpop: fresh },
          }),
        );
        expect({
          status: asBearer.status,
          challenge: asBearer.headers['www-authenticate'],
        }).toEqual({
          status: 401,
          challenge: 'DPoP algs="ES256 RS256 PS256 EdDSA", error="invalid_token"',
        });
      });

      it('X-Auth-* headers sent by the client are replaced by what Gatehouse said', async () => {
        const answer = await send(live(), {
          path: '/invoices/7',
          headers: {
            ...bearer(readerToken),
            'x-auth-subject': 'root',
            'x-auth-client-id': 'someone-else',
            'x-auth-scope': 'iam:admin',
            'x-decision-id': 'made-up',
          },
        });
        expect(answer.status).toBe(200);
        const { headers } = json(answer) as { headers: Record<string, string> };
        expect({
          subject: headers['x-auth-subject'],
          client: headers['x-auth-client-id'],
          scope: headers['x-auth-scope'],
        }).toEqual({ subject: reader.client_id, client: reader.client_id, scope: 'invoices:read' });
        expect(headers['x-decision-id']).toMatch(UUID);
      });

      it("an anonymous rule lets a request through without a token, and the client's own X-Auth-* stay out", async () => {
        const answer = await send(live(), {
          path: '/public/status',
          headers: {
            'x-auth-subject': 'root',
            'x-auth-client-id': 'someone-else',
            'x-auth-scope': 'iam:admin',
          },
        });
        expect(answer.status).toBe(200);
        const { url, headers } = json(answer) as { url: string; headers: Record<string, string> };
        expect(url).toBe('/public/status');
        for (const name of ['x-auth-subject', 'x-auth-client-id', 'x-auth-scope']) {
          expect(headers).not.toHaveProperty(name);
        }
        expect(headers['x-decision-id']).toMatch(UUID);
      });

      it('a method the rule does not list: 403 (no rule covers POST /invoices/42)', async () => {
        const answer = await withoutUpstream(() =>
          send(live(), { method: 'POST', path: '/invoices/42', headers: bearer(readerToken) }),
        );
        expect(answer.status).toBe(403);
      });

      it('a path no rule covers: 403, even with a valid token', async () => {
        const answer = await withoutUpstream(() =>
          send(live(), { path: '/reports/1', headers: bearer(readerToken) }),
        );
        expect(answer.status).toBe(403);
        expect(answer.headers['www-authenticate']).toBeUndefined();
      });

      it('forged X-Original-* or X-Forwarded-* headers cannot get another request judged', async () => {
        const answer = await withoutUpstream(() =>
          send(live(), {
            method: 'DELETE',
            path: '/reports/1',
            headers: {
              ...bearer(readerToken),
              'x-original-method': 'GET',
              'x-original-uri': '/invoices/1',
              'x-forwarded-method': 'GET',
              'x-forwarded-uri': '/invoices/1',
            },
          }),
        );
        expect(answer.status).toBe(403);
      });

      it('dot segments are judged resolved: /invoices/../reports/1 is /reports/1, 403', async () => {
        const answer = await withoutUpstream(() =>
          send(live(), { path: '/invoices/../reports/1', headers: bearer(readerToken) }),
        );
        expect(answer.status).toBe(403);
      });

      it('a path that upstreams could read differently never reaches the upstream: 403 path_rejected', async () => {
        for (const path of [
          '/public/..;/invoices/1',
          '/public/..%3b/invoices/1',
          '/public/..%2finvoices/1',
          '/public/..%5cinvoices/1',
          '/public/..\\invoices/1',
          '/public/%252e%252e/invoices/1',
          '/public/%c0%ae%c0%ae/invoices/1',
          '/public/%ef%bc%8e%ef%bc%8e/invoices/1',
          '/public/%2e%2e/invoices/1',
          '/public/invoices./1',
          '//public/invoices/1',
        ]) {
          const answer = await withoutUpstream(() =>
            send(live(), { path, headers: bearer(readerToken) }),
          );
          expect({ path, status: answer.status }).toEqual({ path, status: 403 });
          const decisionId = answer.headers['x-decision-id'];
          expect(decisionId).toMatch(UUID);
          // Caddy hands back Gatehouse's own body; nginx its own 403 page.
          if (passesDenialBody) {
            expect(json(answer)).toEqual({
              allowed: false,
              reason: 'path_rejected',
              decision_id: decisionId,
            });
          } else {
            expect(answer.body).toMatch(/^<html>/);
          }
        }
      });

      it('method-override and original-request headers from the client reach neither Gatehouse nor the upstream', async () => {
        const answer = await send(live(), {
          path: '/public/status',
          headers: {
            'x-http-method-override': 'DELETE',
            'x-http-method': 'DELETE',
            'x-method-override': 'DELETE',
            'x-original-method': 'DELETE',
            'x-original-uri': '/invoices/1',
            'x-forwarded-method': 'DELETE',
            'x-forwarded-uri': '/invoices/1',
          },
        });
        expect(answer.status).toBe(200);
        const { url, method, headers } = json(answer) as {
          url: string;
          method: string;
          headers: Record<string, string>;
        };
        expect({ url, method }).toEqual({ url: '/public/status', method: 'GET' });
        for (const name of [
          'x-http-method-override',
          'x-http-method',
          'x-method-override',
          'x-original-method',
          'x-original-uri',
          'x-forwarded-method',
          'x-forwarded-uri',
        ]) {
          expect({ name, value: headers[name] }).toEqual({ name, value: undefined });
        }
      });

      it(`Gatehouse unreachable: ${unreachable.status} from the gateway, never a pass`, async () => {
        const gateway = gateways.get(name)!.unreachable;
        const answer = await withoutUpstream(() =>
          send(gateway.url, { path: '/invoices/42', headers: bearer(readerToken) }),
        );
        expect(failure(answer)).toEqual(unreachable);
      });

      it(`Gatehouse answers 503 (it cannot tell): ${cannotTell.status} from the gateway, never a pass`, async () => {
        const gateway = gateways.get(name)!.cannotTell;
        const answer = await withoutUpstream(() =>
          send(gateway.url, { path: '/invoices/42', headers: bearer(readerToken) }),
        );
        expect(failure(answer)).toEqual(cannotTell);
      });
    });
  }

  it('when Gatehouse stops, neither gateway lets a request through any more', async () => {
    const request = (gateway: Gateway) =>
      send(gateway.url, {
        path: '/invoices/42',
        headers: { authorization: `Bearer ${readerToken}` },
      });
    for (const { name } of GATEWAYS) {
      expect({ name, status: (await request(gateways.get(name)!.live)).status }).toEqual({
        name,
        status: 200,
      });
    }
    sutClosed = true;
    await sut.close();
    for (const { name, unreachable } of GATEWAYS) {
      const answer = await withoutUpstream(() => request(gateways.get(name)!.live));
      expect({ name, ...failure(answer) }).toEqual({ name, ...unreachable });
    }
  });
});
