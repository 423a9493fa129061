import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { expect } from 'expect';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createClient, createUser, signInForTokens } from '../support/code-flow';
import { startListeningApp } from '../support/listening-app';
import { basicAuth, TestApp } from '../support/test-app';

// Mainstream verifiers, set up exactly as their documentation says, accept Gatehouse's tokens
// over real sockets: jose (jwtVerify + createRemoteJWKSet on the discovered jwks_uri) and
// Auth0's express-oauth2-jwt-bearer (`auth({ issuerBaseURL, audience })`), which accepts only
// the algorithms discovery lists in id_token_signing_alg_values_supported.

const API = 'https://api.example.com';

interface Discovery {
  issuer: string;
  jwks_uri: string;
  id_token_signing_alg_values_supported: string[];
}

/** An API protected by express-oauth2-jwt-bearer as its README sets it up. */
async function protectedApi(
  issuerBaseURL: string,
  options: { strict?: boolean } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(auth({ issuerBaseURL, audience: API, ...options }));
  app.get('/api/whoami', (req, res) => {
    res.json({ sub: req.auth?.payload.sub, client_id: req.auth?.payload.client_id });
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/whoami`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const call = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** A client_credentials access token for the API, from a client allowed that audience. */
async function apiToken(sut: TestApp): Promise<{ token: string; clientId: string }> {
  const created = await sut.admin('POST', '/admin/clients', {
    client_name: 'invoice worker',
    client_type: 'm2m',
    scope: 'invoices:read',
    audience: [API],
  });
  const { client_id, client_secret } = created.json<{ client_id: string; client_secret: string }>();
  const response = await sut.postForm(
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: basicAuth(client_id, client_secret) },
  );
  return { token: response.json<{ access_token: string }>().access_token, clientId: client_id };
}

async function startListening(env: Record<string, string> = {}) {
  const { sut, issuer } = await startListeningApp(env);
  const discovery = (await (
    await fetch(`${issuer}/.well-known/openid-configuration`)
  ).json()) as Discovery;
  return { sut, issuer, discovery };
}

describe('third-party verifiers accept Gatehouse tokens (default ES256 access tokens)', () => {
  let sut: TestApp;
  let issuer: string;
  let discovery: Discovery;
  let api: { url: string; close: () => Promise<void> };
  let access: { token: string; clientId: string };

  before(async () => {
    ({ sut, issuer, discovery } = await startListening());
    api = await protectedApi(issuer);
    access = await apiToken(sut);
  });
  after(async () => {
    await api.close();
    await sut.close();
  });

  it('discovery lists every algorithm Gatehouse signs with, the access-token one included', () => {
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(decodeProtectedHeader(access.token)).toEqual({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: expect.any(String),
    });
  });

  it('jose: jwtVerify with createRemoteJWKSet on the discovered jwks_uri, restricted to the discovered algorithms', async () => {
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(access.token, jwks, {
      issuer: discovery.issuer,
      audience: API,
      typ: 'at+jwt',
      algorithms: discovery.id_token_signing_alg_values_supported,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toEqual(
      expect.objectContaining({ iss: issuer, aud: API, sub: access.clientId }),
    );
  });

  it('express-oauth2-jwt-bearer, auth({ issuerBaseURL, audience }): 200 for the access token', async () => {
    const response = await call(api.url, access.token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: access.clientId, client_id: access.clientId });
  });

  it('express-oauth2-jwt-bearer in strict mode (RFC 9068 typ at+jwt required) accepts it too', async () => {
    const strict = await protectedApi(issuer, { strict: true });
    try {
      const response = await call(strict.url, access.token);
      expect(response.status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('express-oauth2-jwt-bearer still refuses what it should: no token, another audience, a tampered token', async () => {
    const none = await call(api.url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);

    const otherAudience = await sut.adminToken();
    const wrongAudience = await call(api.url, otherAudience);
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    const [header, payload, signature] = access.token.split('.');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const tampered = await call(api.url, `${header}.${payload}.${flipped}`);
    expect(tampered.status).toBe(401);
  });

  for (const alg of ['ES256', 'EdDSA', 'RS256']) {
    it(`an ID token of a client that registered id_token_signed_response_alg ${alg} is signed so and verifies with jose`, async () => {
      const client = await createClient(sut, { id_token_signed_response_alg: alg });
      const user = await createUser(sut);
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid' });
      expect(decodeProtectedHeader(tokens.id_token!)).toEqual({
        alg,
        typ: 'JWT',
        kid: expect.any(String),
      });
      const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
      const { payload } = await jwtVerify(tokens.id_token!, jwks, {
        issuer: discovery.issuer,
        audience: client.client_id,
        algorithms: discovery.id_token_signing_alg_values_supported,
      });
      expect(payload.sub).toBe(user.id);
    });
  }
});

for (const alg of ['EdDSA', 'RS256']) {
  describe(`express-oauth2-jwt-bearer accepts ${alg} access tokens (ACCESS_TOKEN_SIGNING_ALG=${alg})`, () => {
    let sut: TestApp;
    let api: { url: string; close: () => Promise<void> };

    before(async () => {
      const started = await startListening({ ACCESS_TOKEN_SIGNING_ALG: alg });
      sut = started.sut;
      api = await protectedApi(started.issuer);
    });
    after(async () => {
      await api.close();
      await sut.close();
    });

    it('200 for the access token, set up as its README says', async () => {
      const { token, clientId } = await apiToken(sut);
      expect(decodeProtectedHeader(token).alg).toBe(alg);
      const response = await call(api.url, token);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ sub: clientId, client_id: clientId });
    });
  });
}
