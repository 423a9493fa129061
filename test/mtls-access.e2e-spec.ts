import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { createRole, createRule, expectCheck, setClientRoles } from './support/access';
import { TestCertificate } from './support/certificates';
import { caSettings, makePki, proxiedToken, TestPki } from './support/mtls';
import { startTestApp, TestApp } from './support/test-app';

/**
 * A certificate-bound token as /token issues it (RFC 8705 §3), judged by the decisions: good with
 * the certificate it is bound to, forwarded by a trusted proxy; binding_mismatch otherwise.
 */
describe('a certificate-bound token from /token at the access decisions', () => {
  let pki: TestPki;
  let sut: TestApp;
  let clientId: string;
  let token: string;
  let scope: string;

  before(async () => {
    pki = await makePki();
    // The tests' requests come from 127.0.0.1: the proxy in front of /token and the gateway.
    sut = await startTestApp({ ...caSettings(pki), TRUST_PROXY: '127.0.0.1' });
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'bound reporter',
      grant_types: ['client_credentials'],
      scope: 'reports:read',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-a,O=Example',
      tls_client_certificate_bound_access_tokens: true,
    });
    expect(created.statusCode).toBe(201);
    clientId = created.json().client_id as string;
    await setClientRoles(sut, clientId, [await createRole(sut, ['reports:read'])]);
    await createRule(sut, { path: '/reports/**', permission: 'reports:read' });
    const issued = await proxiedToken(
      sut,
      { grant_type: 'client_credentials', client_id: clientId },
      pki.clientA,
    );
    expect(issued.statusCode).toBe(200);
    token = issued.json().access_token as string;
    scope = issued.json().scope as string;
  });
  after(() => sut.close());

  const checkWith = (certificate?: TestCertificate, remoteAddress = '127.0.0.1') =>
    sut.request({
      method: 'POST',
      url: '/access/check',
      remoteAddress,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...(certificate ? { 'x-ssl-client-cert': certificate.header } : {}),
      },
      payload: { resource: 'reports', action: 'read' },
    });

  const gatewayWith = (certificate?: TestCertificate) =>
    sut.request({
      method: 'GET',
      url: '/access/gateway',
      headers: {
        authorization: `Bearer ${token}`,
        'x-original-method': 'GET',
        'x-original-uri': '/reports/2026',
        ...(certificate ? { 'x-ssl-client-cert': certificate.header } : {}),
      },
    });

  it('is allowed with its own certificate at /access/check and the gateway', async () => {
    expectCheck(await checkWith(pki.clientA), {
      allowed: true,
      reason: 'allowed',
      sub: clientId,
      client_id: clientId,
      scope,
    });
    const allowed = await gatewayWith(pki.clientA);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['x-auth-client-id']).toBe(clientId);
  });

  it('is binding_mismatch with another certificate of the same CA, none, or one from an untrusted peer', async () => {
    const denied = {
      allowed: false,
      reason: 'binding_mismatch',
      sub: null,
      client_id: null,
      scope: null,
    };
    expectCheck(await checkWith(pki.clientB), denied);
    expectCheck(await checkWith(), denied);
    expectCheck(await checkWith(pki.clientA, '203.0.113.9'), denied);
    for (const certificate of [pki.clientB, undefined]) {
      const answer = await gatewayWith(certificate);
      expect(answer.statusCode).toBe(401);
      expect(answer.json()).toEqual({
        allowed: false,
        reason: 'binding_mismatch',
        decision_id: answer.headers['x-decision-id'],
      });
    }
  });
});
