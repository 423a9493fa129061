import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestCertificate } from './support/certificates';
import {
  authorizeAndGetCode,
  createClient,
  createPublicClient,
  createUser,
  exchangeCode,
  refresh,
  TestClient,
  TestUser,
} from './support/code-flow';
import {
  caSettings,
  createMtlsClients,
  httpsRequest,
  httpsToken,
  makePki,
  MtlsClients,
  proxiedToken,
  startHttpsApp,
  TestPki,
} from './support/mtls';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

/** RFC 8705 §3.1 `x5t#S256`: base64url SHA-256 of the DER certificate. */
function thumbprint(certificate: TestCertificate): string {
  return createHash('sha256').update(Buffer.from(certificate.cert.rawData)).digest('base64url');
}

const withCert = (certificate: TestCertificate) => ({ 'x-ssl-client-cert': certificate.header });

const INVALID_TOKEN_CHALLENGE =
  'Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid or expired"';

describe('certificate-bound access tokens behind a proxy (RFC 8705 §3)', () => {
  let pki: TestPki;
  let sut: TestApp;
  let clients: MtlsClients;
  let user: TestUser;
  let spa: TestClient;
  let web: TestClient;
  before(async () => {
    pki = await makePki();
    sut = await startTestApp({ ...caSettings(pki), TRUST_PROXY: '127.0.0.1' });
    clients = await createMtlsClients(sut, pki);
    user = await createUser(sut);
    spa = await createPublicClient(sut, { tls_client_certificate_bound_access_tokens: true });
    web = await createClient(sut, { tls_client_certificate_bound_access_tokens: true });
  });
  after(() => sut.close());

  it('binds the access token of a tls_client_auth client: cnf.x5t#S256', async () => {
    const response = await proxiedToken(
      sut,
      { grant_type: 'client_credentials', client_id: clients.bound },
      pki.clientA,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json().token_type).toBe('Bearer');
    const claims = decodeJwt(response.json().access_token);
    expect(claims.cnf).toEqual({ 'x5t#S256': thumbprint(pki.clientA) });
  });

  it('does not bind the tokens of a client that did not ask for it', async () => {
    const response = await proxiedToken(
      sut,
      { grant_type: 'client_credentials', client_id: clients.dn },
      pki.clientA,
    );
    expect(response.statusCode).toBe(200);
    expect(decodeJwt(response.json().access_token).cnf).toBeUndefined();
  });

  it('introspection returns the cnf of a bound token', async () => {
    const issued = await proxiedToken(
      sut,
      { grant_type: 'client_credentials', client_id: clients.bound },
      pki.clientA,
    );
    const response = await sut.postForm(
      '/introspect',
      { client_id: clients.bound, token: issued.json().access_token },
      withCert(pki.clientA),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      active: true,
      scope: 'reports.read',
      client_id: clients.bound,
      sub: clients.bound,
      aud: 'http://localhost:3000',
      iss: 'http://localhost:3000',
      exp: expect.any(Number),
      iat: expect.any(Number),
      jti: expect.any(String),
      token_type: 'Bearer',
      cnf: { 'x5t#S256': thumbprint(pki.clientA) },
    });
  });

  it('a client that asked for bound tokens and presents no certificate: 400 invalid_request', async () => {
    const code = await authorizeAndGetCode(sut, web, user);
    const response = await exchangeCode(sut, web, code);
    expect(response.statusCode).toBe(400);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      error: 'invalid_request',
      error_description:
        'this client’s access tokens are bound to its TLS client certificate; present one (RFC 8705 §3)',
    });
  });

  it('/userinfo takes a bound token only with its certificate', async () => {
    const code = await authorizeAndGetCode(sut, web, user);
    // A secret client's certificate binds without authenticating it: any certificate will do.
    const issued = await exchangeCode(sut, web, code, {}, withCert(pki.self));
    expect(issued.statusCode).toBe(200);
    const token = issued.json().access_token as string;
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': thumbprint(pki.self) });

    const get = (headers: Record<string, string>) =>
      sut.request({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `Bearer ${token}`, ...headers },
      });
    const good = await get(withCert(pki.self));
    expect(good.statusCode).toBe(200);
    expect(good.json().sub).toBe(user.id);
    for (const headers of [{}, withCert(pki.clientA)]) {
      const refused = await get(headers);
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toEqual({
        error: 'invalid_token',
        error_description: 'the access token is invalid or expired',
      });
      expect(refused.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
    }
  });

  it("binds a public client's refresh tokens to the certificate (RFC 8705 §4)", async () => {
    const code = await authorizeAndGetCode(sut, spa, user);
    const issued = await exchangeCode(sut, spa, code, {}, withCert(pki.self));
    expect(issued.statusCode).toBe(200);
    const refreshToken = issued.json().refresh_token as string;

    const stolen = await refresh(sut, spa, refreshToken, {}, withCert(pki.selfImpostor));
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toEqual({
      error: 'invalid_grant',
      error_description:
        'the refresh token is bound to a client certificate; present that certificate',
    });
    const bare = await refresh(sut, spa, refreshToken);
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error).toBe('invalid_request');

    // The refusals did not use the token up.
    const owner = await refresh(sut, spa, refreshToken, {}, withCert(pki.self));
    expect(owner.statusCode).toBe(200);
    expect(decodeJwt(owner.json().access_token).cnf).toEqual({
      'x5t#S256': thumbprint(pki.self),
    });
  });

  it("does not bind a confidential client's refresh token; each access token takes the certificate of its request", async () => {
    const code = await authorizeAndGetCode(sut, web, user);
    const issued = await exchangeCode(sut, web, code, {}, withCert(pki.self));
    expect(issued.statusCode).toBe(200);
    const renewed = await refresh(
      sut,
      web,
      issued.json().refresh_token,
      {},
      withCert(pki.selfImpostor),
    );
    expect(renewed.statusCode).toBe(200);
    expect(decodeJwt(renewed.json().access_token).cnf).toEqual({
      'x5t#S256': thumbprint(pki.selfImpostor),
    });
  });
});

describe('certificate-bound access tokens on Gatehouse’s own HTTPS listener', () => {
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

  it('binds to the TLS certificate; introspection shows it', async () => {
    const issued = await httpsToken(
      origin,
      pki,
      { grant_type: 'client_credentials', client_id: clients.bound },
      pki.clientA,
    );
    expect(issued.statusCode).toBe(200);
    const token = issued.json().access_token as string;
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': thumbprint(pki.clientA) });

    const introspected = await httpsRequest(origin, pki, {
      method: 'POST',
      path: '/introspect',
      certificate: pki.clientA,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clients.bound, token }).toString(),
    });
    expect(introspected.statusCode).toBe(200);
    expect(introspected.json().cnf).toEqual({ 'x5t#S256': thumbprint(pki.clientA) });
  });

  it('a forwarded certificate header from an untrusted peer binds nothing', async () => {
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'bound secret service',
      grant_types: ['client_credentials'],
      scope: 'reports.read',
      tls_client_certificate_bound_access_tokens: true,
    });
    const { client_id: id, client_secret: secret } = created.json();
    const response = await httpsToken(
      origin,
      pki,
      { grant_type: 'client_credentials' },
      undefined,
      {
        authorization: basicAuth(id, secret),
        'x-ssl-client-cert': pki.clientA.header,
      },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
  });
});
