import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { INVALID_CLIENT } from '../support/from-address';
import {
  caSettings,
  createMtlsClients,
  httpsRequest,
  httpsToken,
  makePki,
  MtlsClients,
  TestPki,
} from '../support/mtls';
import { startTestApp, TestApp } from '../support/test-app';
import { freePort } from '../support/free-port';
import { MtlsProxy } from './support/mtls-proxy';

const CLIENT_CREDENTIALS = { grant_type: 'client_credentials' };

describe('mutual TLS through nginx (deploy/nginx/gatehouse-mtls.conf.template)', () => {
  let pki: TestPki;
  let sut: TestApp;
  let proxy: MtlsProxy;
  let clients: MtlsClients;
  before(async () => {
    pki = await makePki();
    const [gatehousePort, proxyPort] = [await freePort(), await freePort()];
    // nginx reaches Gatehouse from 127.0.0.1, the one address TRUST_PROXY trusts.
    sut = await startTestApp({
      ...caSettings(pki),
      ISSUER: `https://127.0.0.1:${proxyPort}`,
      TRUST_PROXY: '127.0.0.1',
    });
    await sut.app.listen(gatehousePort, '127.0.0.1');
    proxy = await MtlsProxy.start({
      port: proxyPort,
      gatehouseUrl: `http://127.0.0.1:${gatehousePort}`,
      certFile: pki.files['server.pem'],
      keyFile: pki.files['server.key'],
    });
    clients = await createMtlsClients(sut, pki);
  });
  after(async () => {
    await proxy?.stop();
    await sut?.close();
  });

  it('authenticates tls_client_auth by the certificate nginx forwards, and binds the token', async () => {
    const response = await httpsToken(
      proxy.url,
      pki,
      { ...CLIENT_CREDENTIALS, client_id: clients.bound },
      pki.clientA,
    );
    expect({ status: response.statusCode, body: response.body, log: proxy.log }).toMatchObject({
      status: 200,
    });
    const x5t = createHash('sha256')
      .update(Buffer.from(pki.clientA.cert.rawData))
      .digest('base64url');
    const token = response.json().access_token as string;
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': x5t });

    const introspected = await httpsRequest(proxy.url, pki, {
      method: 'POST',
      path: '/introspect',
      certificate: pki.clientA,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clients.bound, token }).toString(),
    });
    expect(introspected.statusCode).toBe(200);
    expect(introspected.json()).toMatchObject({ active: true, cnf: { 'x5t#S256': x5t } });
  });

  it('authenticates self_signed_tls_client_auth (optional_no_ca lets the certificate through)', async () => {
    const response = await httpsToken(
      proxy.url,
      pki,
      { ...CLIENT_CREDENTIALS, client_id: clients.selfSigned },
      pki.self,
    );
    expect(response.statusCode).toBe(200);
  });

  it('refuses a forged X-SSL-Client-Cert from a client without a certificate', async () => {
    const response = await httpsToken(
      proxy.url,
      pki,
      { ...CLIENT_CREDENTIALS, client_id: clients.dn },
      undefined,
      { 'x-ssl-client-cert': pki.clientA.header },
    );
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(INVALID_CLIENT);
  });

  it('refuses a forged X-SSL-Client-Cert beside another certificate: nginx sends the real one', async () => {
    const response = await httpsToken(
      proxy.url,
      pki,
      { ...CLIENT_CREDENTIALS, client_id: clients.dn },
      pki.clientB,
      { 'x-ssl-client-cert': pki.clientA.header },
    );
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(INVALID_CLIENT);
  });

  it('an expired certificate is refused by nginx itself (optional_no_ca still checks dates)', async () => {
    const response = await httpsToken(
      proxy.url,
      pki,
      { ...CLIENT_CREDENTIALS, client_id: clients.dn },
      pki.expired,
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('The SSL certificate error');
  });
});
