import { expect } from 'expect';
import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { startListeningApp } from '../support/listening-app';
import { TestApp } from '../support/test-app';

/**
 * Interoperability: oauth4webapi's DPoP (RFC 9449) against a running server, over a real
 * socket: its proofs pass, and the token it gets is bound to its key.
 */
describe('DPoP with oauth4webapi against a running server', () => {
  let sut: TestApp;
  let as: oauth.AuthorizationServer;
  let machine: { client_id: string; client_secret: string };
  const insecure = { [oauth.allowInsecureRequests]: true };

  before(async () => {
    const started = await startListeningApp();
    sut = started.sut;
    const issuer = new URL(started.issuer);
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'DPoP library client',
      client_type: 'm2m',
    });
    expect(created.statusCode).toBe(201);
    machine = created.json();
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }),
    );
  });
  after(() => sut.close());

  it('discovery lists the proof algorithms', () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA']);
  });

  it('gets a DPoP-bound client_credentials token with a library-made proof', async () => {
    const client: oauth.Client = { client_id: machine.client_id };
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(client, keyPair);
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(machine.client_secret),
      new URLSearchParams(),
      { ...insecure, DPoP },
    );
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    expect(result.token_type).toBe('dpop');
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');
    expect(decodeJwt(result.access_token).cnf).toEqual({ jkt });
  });
});
