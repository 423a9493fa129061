import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { INVALID_CLIENT } from '../support/from-address';
import { caSettings, createMtlsClients, makePki, MtlsClients, TestPki } from '../support/mtls';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Hostile X-SSL-Client-Cert values from a trusted proxy's address (RFC 8705 §2; docs/mtls.md):
 * each is 401 invalid_client or the edge's 400, never a 500, and never authenticates.
 */
describe('hostile forwarded client certificates', () => {
  let pki: TestPki;
  let sut: TestApp;
  let clients: MtlsClients;
  before(async () => {
    pki = await makePki();
    sut = await startTestApp({ ...caSettings(pki), TRUST_PROXY: '127.0.0.1' });
    clients = await createMtlsClients(sut, pki);
  });
  after(() => sut.close());

  const post = (rawHeaders: string[]) =>
    sut.app.inject({
      method: 'POST',
      url: '/token',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      // light-my-request takes repeated headers as an array value.
      ...(rawHeaders.length > 0
        ? {
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-ssl-client-cert': rawHeaders.length === 1 ? rawHeaders[0] : rawHeaders,
            },
          }
        : {}),
      payload: `grant_type=client_credentials&client_id=${clients.dn}`,
    });

  const refused = async (rawHeaders: string[]) => {
    const response = await post(rawHeaders);
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 401,
      body: INVALID_CLIENT,
    });
  };

  it('a URL-encoded NUL inside the PEM', async () => {
    await refused([pki.clientA.header.replace('MII', 'MI%00I')]);
  });

  it('a NUL byte after the certificate', async () => {
    await refused([`${pki.clientA.header}\u0000`]);
  });

  it('a huge header', async () => {
    await refused([pki.clientA.header + '%0A'.repeat(40_000)]);
  });

  it('a PEM wrapper around bytes that are not a certificate', async () => {
    const junk = Buffer.alloc(600, 0x30).toString('base64');
    await refused([
      encodeURIComponent(`-----BEGIN CERTIFICATE-----\n${junk}\n-----END CERTIFICATE-----\n`),
    ]);
  });

  it('bad percent-encoding', async () => {
    await refused([`${pki.clientA.header}%E0%A4%A`]);
  });

  it('a repeated header, a forged certificate first', async () => {
    await refused([pki.clientA.header, pki.clientB.header]);
    await refused([pki.clientA.header, pki.clientA.header]);
  });

  it('two certificates in one header', async () => {
    await refused([pki.clientA.header + pki.clientB.header]);
  });
});
