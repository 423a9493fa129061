import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { dataSource } from './support/code-flow';
import { INVALID_CLIENT } from './support/from-address';
import {
  createMtlsClients,
  caSettings,
  httpsToken,
  makePki,
  MtlsClients,
  proxiedToken,
  startHttpsApp,
  TestPki,
} from './support/mtls';
import { basicAuth, startTestApp, TestApp } from './support/test-app';
import { TestCertificate } from './support/certificates';
import { TestClock } from './support/clock';
import { jwkOf } from './support/certificates';
import { HttpsTestServer, startHttpsServer, trustingAgent } from './support/jwks-server';
import { JwksNetwork } from '../src/clients/client-auth/jwks-fetcher.service';

const CLIENT_CREDENTIALS = { grant_type: 'client_credentials' };

function expectToken(response: { statusCode: number; body: string; json(): any }): void {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status: 200 });
  expect(response.json()).toEqual({
    access_token: expect.any(String),
    token_type: 'Bearer',
    expires_in: 900,
    scope: 'reports.read',
  });
}

function expectInvalidClient(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json(): any;
}): void {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 401,
    body: INVALID_CLIENT,
  });
  expect(response.headers['cache-control']).toBe('no-store');
  // Not a Basic challenge: the client did not use the Authorization header (RFC 6749 §5.2).
  expect(response.headers['www-authenticate']).toBeUndefined();
}

/** The audited reasons of failed certificate authentications for `clientId`, oldest first. */
async function failures(sut: TestApp, clientId: string): Promise<Record<string, unknown>[]> {
  // Recorded without waiting (recordQuietly): give the insert a moment.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const rows = await dataSource(sut).query<{ details: Record<string, unknown> }[]>(
    `SELECT details FROM audit_events WHERE type = 'client.authentication_failed' AND target_id = $1 ORDER BY occurred_at`,
    [clientId],
  );
  return rows.map((row) => row.details);
}

describe('mutual TLS client authentication behind a proxy (RFC 8705 §2, X-SSL-Client-Cert)', () => {
  let pki: TestPki;
  let sut: TestApp;
  let clients: MtlsClients;
  before(async () => {
    pki = await makePki();
    sut = await startTestApp({ ...caSettings(pki), TRUST_PROXY: '127.0.0.1' });
    clients = await createMtlsClients(sut, pki);
  });
  after(() => sut.close());

  const token = (clientId: string, certificate?: TestCertificate, ip?: string) =>
    proxiedToken(sut, { ...CLIENT_CREDENTIALS, client_id: clientId }, certificate, ip);

  it('tls_client_auth: the registered DN matches as a distinguished name, not a string', async () => {
    expectToken(await token(clients.dn, pki.clientA));
  });

  it('tls_client_auth: each SAN type matches the certificate’s SAN of that type', async () => {
    for (const clientId of [clients.sanDns, clients.sanUri, clients.sanIp, clients.sanEmail]) {
      expectToken(await token(clientId, pki.clientB));
      expectInvalidClient(await token(clientId, pki.clientA));
    }
  });

  it('self_signed_tls_client_auth: the certificate’s key is in the client’s jwks', async () => {
    expectToken(await token(clients.selfSigned, pki.self));
  });

  const refusals: [string, keyof TestPki, string][] = [
    ['an expired certificate', 'expired', 'the certificate has expired'],
    ['a certificate not valid yet', 'notYetValid', 'the certificate is not valid yet'],
    ['a certificate its CA revoked', 'revoked', 'the certificate is revoked by its CA'],
    [
      'a certificate of an unknown CA',
      'foreign',
      'the certificate is not issued by a configured CA',
    ],
    [
      'another client’s certificate',
      'clientB',
      'the certificate subject DN is not the registered one',
    ],
  ];
  for (const [name, which, reason] of refusals) {
    it(`tls_client_auth refuses ${name}: 401 invalid_client, audited without the PEM`, async () => {
      const certificate = pki[which] as TestCertificate;
      const before = (await failures(sut, clients.dn)).length;
      expectInvalidClient(await token(clients.dn, certificate));
      const audited = (await failures(sut, clients.dn)).slice(before);
      expect(audited).toEqual([
        {
          method: 'tls_client_auth',
          reason,
          certificate_thumbprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          certificate_source: 'proxy',
        },
      ]);
      expect(JSON.stringify(audited)).not.toContain('BEGIN CERTIFICATE');
    });
  }

  it('self_signed_tls_client_auth refuses a certificate with another key', async () => {
    expectInvalidClient(await token(clients.selfSigned, pki.selfImpostor));
    expectInvalidClient(await token(clients.selfSigned, pki.clientA));
  });

  it('refuses a request without a certificate', async () => {
    expectInvalidClient(await token(clients.dn));
    expect((await failures(sut, clients.dn)).at(-1)).toEqual({
      method: 'tls_client_auth',
      reason: 'no client certificate',
    });
  });

  it('does not believe X-SSL-Client-Cert from an address TRUST_PROXY does not trust', async () => {
    expectInvalidClient(await token(clients.dn, pki.clientA, '203.0.113.9'));
    expect((await failures(sut, clients.dn)).at(-1)).toEqual({
      method: 'tls_client_auth',
      reason: 'X-SSL-Client-Cert from an address TRUST_PROXY does not trust',
    });
  });

  it('refuses a header that is not a URL-encoded PEM certificate', async () => {
    const response = await sut.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress: '127.0.0.1',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-ssl-client-cert': '-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----',
      },
      payload: `grant_type=client_credentials&client_id=${clients.dn}`,
    });
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 401,
      body: INVALID_CLIENT,
    });
  });

  it('a certificate does not stand in for a secret, nor a secret for a certificate', async () => {
    const response = await sut.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress: '127.0.0.1',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(clients.dn, 'some secret'),
        'x-ssl-client-cert': pki.clientA.header,
      },
      payload: 'grant_type=client_credentials',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(INVALID_CLIENT);
  });
});

describe('mutual TLS client authentication without a configured CA', () => {
  let pki: TestPki;
  let sut: TestApp;
  let clients: MtlsClients;
  before(async () => {
    pki = await makePki();
    sut = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    clients = await createMtlsClients(sut, pki);
  });
  after(() => sut.close());

  it('tls_client_auth fails closed; self_signed_tls_client_auth needs no CA', async () => {
    const form = { ...CLIENT_CREDENTIALS, client_id: clients.dn };
    expectInvalidClient(await proxiedToken(sut, form, pki.clientA));
    expectToken(
      await proxiedToken(sut, { ...CLIENT_CREDENTIALS, client_id: clients.selfSigned }, pki.self),
    );
  });
});

describe('mutual TLS client authentication on Gatehouse’s own HTTPS listener', () => {
  let pki: TestPki;
  let sut: TestApp;
  let origin: string;
  let clients: MtlsClients;
  before(async () => {
    pki = await makePki();
    ({ sut, origin } = await startHttpsApp(pki));
    clients = await createMtlsClients(sut, pki);
  });
  after(() => sut.close());

  it('authenticates tls_client_auth and self_signed_tls_client_auth by the TLS certificate', async () => {
    expectToken(
      await httpsToken(origin, pki, { ...CLIENT_CREDENTIALS, client_id: clients.dn }, pki.clientA),
    );
    expectToken(
      await httpsToken(
        origin,
        pki,
        { ...CLIENT_CREDENTIALS, client_id: clients.selfSigned },
        pki.self,
      ),
    );
  });

  it('refuses the wrong, expired, revoked or foreign certificate', async () => {
    for (const certificate of [pki.clientB, pki.expired, pki.revoked, pki.foreign]) {
      expectInvalidClient(
        await httpsToken(
          origin,
          pki,
          { ...CLIENT_CREDENTIALS, client_id: clients.dn },
          certificate,
        ),
      );
    }
    // One event per refusal; events recorded within the same millisecond have no order.
    const audited = await failures(sut, clients.dn);
    expect(audited.map((details) => [details.reason, details.certificate_source]).sort()).toEqual([
      ['the certificate has expired', 'tls'],
      ['the certificate is not issued by a configured CA', 'tls'],
      ['the certificate is revoked by its CA', 'tls'],
      ['the certificate subject DN is not the registered one', 'tls'],
    ]);
  });

  it('asks for a certificate but never requires one: secret clients keep working', async () => {
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'plain service',
      grant_types: ['client_credentials'],
      scope: 'reports.read',
    });
    const { client_id: id, client_secret: secret } = created.json();
    expectToken(
      await httpsToken(origin, pki, CLIENT_CREDENTIALS, undefined, {
        authorization: basicAuth(id, secret),
      }),
    );
  });

  it('without a certificate, and with X-SSL-Client-Cert from an untrusted peer: 401', async () => {
    const form = { ...CLIENT_CREDENTIALS, client_id: clients.dn };
    expectInvalidClient(await httpsToken(origin, pki, form));
    expectInvalidClient(
      await httpsToken(origin, pki, form, undefined, { 'x-ssl-client-cert': pki.clientA.header }),
    );
  });
});

describe('a remembered certificate path ends with the certificate', () => {
  let pki: TestPki;
  let sut: TestApp;
  let clients: MtlsClients;
  const clock = new TestClock();
  before(async () => {
    pki = await makePki();
    sut = await startTestApp({ ...caSettings(pki), TRUST_PROXY: '127.0.0.1' }, { clock });
    clients = await createMtlsClients(sut, pki);
  });
  after(() => sut.close());

  it('refuses the certificate once it expires, though its path validated before', async () => {
    const form = { ...CLIENT_CREDENTIALS, client_id: clients.dn };
    expectToken(await proxiedToken(sut, form, pki.clientA));
    expectToken(await proxiedToken(sut, form, pki.clientA));
    // makePki's certificates are valid for a week.
    clock.advance(8 * 86_400_000);
    expectInvalidClient(await proxiedToken(sut, form, pki.clientA));
    expect((await failures(sut, clients.dn)).at(-1)).toMatchObject({
      reason: 'the certificate has expired',
    });
  });
});

describe('self_signed_tls_client_auth with keys from jwks_uri', () => {
  let pki: TestPki;
  let sut: TestApp;
  let server: HttpsTestServer;
  let network: JwksNetwork;
  let clientId: string;
  before(async () => {
    pki = await makePki();
    // jwks_uri sets need not carry x5c: the key's own members are compared.
    const bareKey = { ...(await jwkOf(pki.self)) };
    delete bareKey.x5c;
    server = await startHttpsServer((_request, response) => {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [bareKey] }));
    });
    sut = await startTestApp({ TRUST_PROXY: '127.0.0.1', JWKS_URI_ALLOW_PRIVATE: 'true' });
    network = sut.app.get(JwksNetwork);
    network.agent = trustingAgent();
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'self-signed with jwks_uri',
      grant_types: ['client_credentials'],
      scope: 'reports.read',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks_uri: server.url('/jwks'),
    });
    expect(created.statusCode).toBe(201);
    clientId = created.json().client_id as string;
  });
  after(async () => {
    network.agent?.destroy();
    await sut.close();
    await server.close();
  });

  it('authenticates the certificate whose key is in the fetched set, and no other', async () => {
    const form = { ...CLIENT_CREDENTIALS, client_id: clientId };
    expectToken(await proxiedToken(sut, form, pki.self));
    expectInvalidClient(await proxiedToken(sut, form, pki.selfImpostor));
    expect((await failures(sut, clientId)).at(-1)).toMatchObject({
      reason: 'the certificate key is not in the set at jwks_uri',
    });
  });
});
