import { expect } from 'expect';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { startListeningApp } from './support/listening-app';
import { TestApp } from './support/test-app';

const API = 'https://api.example.com';

/**
 * Interoperability: a stranger's standard OAuth library (oauth4webapi, by the author of
 * node-oidc-provider) discovers the server, gets a client_credentials token, and verifies it
 * against /jwks with jose, over a real socket.
 */
describe('a standard client library (oauth4webapi + jose) against a running server', () => {
  let sut: TestApp;
  let issuer: URL;
  let as: oauth.AuthorizationServer;
  let basicClient: { client_id: string; client_secret: string };
  let postClient: { client_id: string; client_secret: string };
  const insecure = { [oauth.allowInsecureRequests]: true };

  before(async () => {
    const started = await startListeningApp();
    sut = started.sut;
    issuer = new URL(started.issuer);

    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'library client',
      client_type: 'm2m',
      scope: 'reports.read reports.write',
      audience: [API],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(created.statusCode).toBe(201);
    basicClient = created.json();
    const createdPost = await sut.admin('POST', '/admin/clients', {
      client_name: 'library client (post)',
      client_type: 'm2m',
      scope: 'reports.read',
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(createdPost.statusCode).toBe(201);
    postClient = createdPost.json();

    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }),
    );
  });
  after(() => sut.close());

  it('discovers the server through OpenID Connect Discovery, the issuer matching the URL', async () => {
    expect(as.issuer).toBe(issuer.origin);
    expect(as.token_endpoint).toBe(`${issuer.origin}/token`);
    expect(as.jwks_uri).toBe(`${issuer.origin}/jwks`);
  });

  it('discovers the same metadata through RFC 8414', async () => {
    const metadata = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }),
    );
    expect(metadata).toEqual(as);
  });

  it('gets a client_credentials token with client_secret_basic and verifies it with jose against /jwks', async () => {
    const client: oauth.Client = { client_id: basicClient.client_id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(basicClient.client_secret),
      new URLSearchParams({ scope: 'reports.read', resource: API }),
      insecure,
    );
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    expect(result).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      scope: 'reports.read',
    });

    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(result.access_token, jwks, {
      issuer: as.issuer,
      audience: API,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      requiredClaims: ['iss', 'sub', 'aud', 'client_id', 'scope', 'iat', 'exp', 'jti'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: as.issuer,
      sub: basicClient.client_id,
      aud: API,
      client_id: basicClient.client_id,
      scope: 'reports.read',
    });
  });

  it('gets a token with client_secret_post that passes RFC 9068 resource-server validation', async () => {
    const client: oauth.Client = { client_id: postClient.client_id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(postClient.client_secret),
      new URLSearchParams(),
      insecure,
    );
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    expect(result.scope).toBe('reports.read');

    const request = new Request(`${issuer.origin}/resource`, {
      headers: { authorization: `Bearer ${result.access_token}` },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, as.issuer, insecure);
    expect(claims).toMatchObject({
      iss: as.issuer,
      aud: as.issuer,
      sub: postClient.client_id,
      client_id: postClient.client_id,
    });
  });

  it('the library sees a wrong secret as an OAuth invalid_client error', async () => {
    const client: oauth.Client = { client_id: basicClient.client_id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic('wrong-secret'),
      new URLSearchParams(),
      insecure,
    );
    expect(response.status).toBe(401);
    // RFC 6749 §5.2: the Basic challenge comes first, then the invalid_client body.
    const error = await oauth
      .processClientCredentialsResponse(as, client, response)
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    expect(error).toMatchObject({
      status: 401,
      cause: [{ scheme: 'basic', parameters: { realm: 'gatehouse' } }],
    });
    expect(await response.json()).toEqual({
      error: 'invalid_client',
      error_description:
        'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
    });
  });

  it('jose rejects the token for an audience it was not issued to', async () => {
    const client: oauth.Client = { client_id: basicClient.client_id };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(basicClient.client_secret),
      new URLSearchParams(),
      insecure,
    );
    const { access_token } = await oauth.processClientCredentialsResponse(as, client, response);
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    await expect(
      jwtVerify(access_token, jwks, { issuer: as.issuer, audience: 'https://other.example.com' }),
    ).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
  });
});
