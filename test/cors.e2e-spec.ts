import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  authorizeAndGetCode,
  createClient,
  createPublicClient,
  createUser,
  exchangeCode,
  refresh,
  signInForTokens,
  TestClient,
  TestUser,
  TokenSet,
} from './support/code-flow';
import { InjectResult, startTestApp, TestApp } from './support/test-app';

const SPA_ORIGIN = 'https://spa.example.com';
const OTHER_ORIGIN = 'https://other-spa.example.com';
const STRANGER = 'https://evil.example.net';

/** Every Access-Control-* header of a response. */
function corsHeaders(response: InjectResult): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => name.startsWith('access-control-')),
  );
}

/** The real answer to an allowed origin; DPoP-Nonce is readable (RFC 9449 §8.2). */
const ALLOWED = {
  'access-control-allow-origin': SPA_ORIGIN,
  'access-control-expose-headers': 'DPoP-Nonce',
};

function varyOrigin(response: InjectResult): boolean {
  return String(response.headers.vary ?? '')
    .split(',')
    .some((value) => value.trim().toLowerCase() === 'origin');
}

describe('CORS for browser clients (docs/headers.md, CORS; Fetch standard)', () => {
  let sut: TestApp;
  let user: TestUser;
  let spa: TestClient;
  let otherSpa: TestClient;
  let web: TestClient;

  before(async () => {
    sut = await startTestApp();
    user = await createUser(sut);
    spa = await createPublicClient(sut, { allowed_cors_origins: [SPA_ORIGIN] });
    otherSpa = await createPublicClient(sut, { allowed_cors_origins: [OTHER_ORIGIN] });
    web = await createClient(sut);
  });
  after(() => sut.close());

  const preflight = (url: string, origin: string, method = 'POST') =>
    sut.request({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  describe('preflight', () => {
    for (const [path, methods] of [
      ['/token', 'POST'],
      ['/userinfo', 'GET, POST'],
      ['/revoke', 'POST'],
    ]) {
      it(`OPTIONS ${path} from an origin some client allows: 204 allowing that origin, its methods and headers`, async () => {
        const response = await preflight(path, SPA_ORIGIN);
        expect(response.statusCode).toBe(204);
        expect(corsHeaders(response)).toEqual({
          'access-control-allow-origin': SPA_ORIGIN,
          'access-control-allow-methods': methods,
          'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
          'access-control-max-age': '600',
        });
        expect(varyOrigin(response)).toBe(true);
        expect(response.body).toBe('');
      });

      it(`OPTIONS ${path} from an origin no client allows: no Access-Control-* headers`, async () => {
        const response = await preflight(path, STRANGER);
        expect(response.statusCode).toBe(204);
        expect(corsHeaders(response)).toEqual({});
        expect(varyOrigin(response)).toBe(true);
      });
    }

    it('a preflight without Origin allows nothing', async () => {
      const response = await sut.request({ method: 'OPTIONS', url: '/token' });
      expect(response.statusCode).toBe(204);
      expect(corsHeaders(response)).toEqual({});
    });

    it('an origin added to a client is answered at once; a disabled client no longer opens its origins', async () => {
      const late = 'https://late.example.com';
      expect(corsHeaders(await preflight('/token', late))).toEqual({});
      const lateClient = await createPublicClient(sut, { allowed_cors_origins: [late] });
      expect((await preflight('/token', late)).headers['access-control-allow-origin']).toBe(late);

      const disabled = await sut.admin('PATCH', `/admin/clients/${lateClient.client_id}`, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      expect(corsHeaders(await preflight('/token', late))).toEqual({});
    });
  });

  describe('the real request', () => {
    it("/token answers the calling client's origin with Access-Control-Allow-Origin", async () => {
      const result = await authorizeAndGetCode(sut, spa, user, { scope: 'openid offline_access' });
      const response = await exchangeCode(sut, spa, result, {}, { origin: SPA_ORIGIN });
      expect(response.statusCode).toBe(200);
      expect(corsHeaders(response)).toEqual(ALLOWED);
      expect(varyOrigin(response)).toBe(true);
    });

    it("/token errors reach the client's origin too, so the app can read them", async () => {
      const response = await refresh(sut, spa, 'A'.repeat(43), {}, { origin: SPA_ORIGIN });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_grant');
      expect(corsHeaders(response)).toEqual(ALLOWED);
    });

    it('/token gives no CORS to an origin that only another client allows', async () => {
      const result = await authorizeAndGetCode(sut, spa, user, { scope: 'openid' });
      const response = await exchangeCode(sut, spa, result, {}, { origin: OTHER_ORIGIN });
      expect(response.statusCode).toBe(200);
      expect(corsHeaders(response)).toEqual({});
      expect(varyOrigin(response)).toBe(true);
    });

    it('/token gives no CORS to a client without allowed origins, nor to strangers', async () => {
      const tokens = await signInForTokens(sut, web, user);
      const fromSpaOrigin = await refresh(
        sut,
        web,
        tokens.refresh_token!,
        {},
        {
          origin: SPA_ORIGIN,
        },
      );
      expect(fromSpaOrigin.statusCode).toBe(200);
      expect(corsHeaders(fromSpaOrigin)).toEqual({});
      const result = await authorizeAndGetCode(sut, otherSpa, user, { scope: 'openid' });
      const fromStranger = await exchangeCode(sut, otherSpa, result, {}, { origin: STRANGER });
      expect(fromStranger.statusCode).toBe(200);
      expect(corsHeaders(fromStranger)).toEqual({});
    });

    it('/userinfo answers the origin of the client the token was issued to, and only it', async () => {
      const spaTokens: TokenSet = await signInForTokens(sut, spa, user, { scope: 'openid' });
      const own = await sut.request({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `Bearer ${spaTokens.access_token}`, origin: SPA_ORIGIN },
      });
      expect(own.statusCode).toBe(200);
      expect(corsHeaders(own)).toEqual(ALLOWED);
      expect(varyOrigin(own)).toBe(true);

      const foreign = await sut.request({
        method: 'POST',
        url: '/userinfo',
        headers: { authorization: `Bearer ${spaTokens.access_token}`, origin: OTHER_ORIGIN },
      });
      expect(foreign.statusCode).toBe(200);
      expect(corsHeaders(foreign)).toEqual({});

      const webTokens = await signInForTokens(sut, web, user, { scope: 'openid' });
      const webToken = await sut.request({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `Bearer ${webTokens.access_token}`, origin: SPA_ORIGIN },
      });
      expect(webToken.statusCode).toBe(200);
      expect(corsHeaders(webToken)).toEqual({});
    });

    it('a request without Origin gets no CORS headers', async () => {
      const tokens = await signInForTokens(sut, spa, user, { scope: 'openid' });
      const response = await sut.request({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(response.statusCode).toBe(200);
      expect(corsHeaders(response)).toEqual({});
    });
  });

  describe('public metadata and pages', () => {
    for (const path of [
      '/jwks',
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]) {
      it(`${path} allows any origin with *`, async () => {
        const response = await sut.request({
          method: 'GET',
          url: path,
          headers: { origin: STRANGER },
        });
        expect(response.statusCode).toBe(200);
        expect(response.headers['access-control-allow-origin']).toBe('*');
      });
    }

    it('/authorize never sends Access-Control-* headers, even to an allowed origin', async () => {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: spa.client_id,
        redirect_uri: 'https://app.example.com/cb',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      for (const method of ['GET', 'OPTIONS']) {
        const response = await sut.request({
          method,
          url: `/authorize?${query.toString()}`,
          headers: { origin: SPA_ORIGIN, 'access-control-request-method': 'GET' },
        });
        expect(corsHeaders(response)).toEqual({});
      }
      const post = await sut.request({
        method: 'POST',
        url: '/authorize',
        headers: { origin: SPA_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        payload: query.toString(),
      });
      expect(post.statusCode).toBe(303);
      expect(corsHeaders(post)).toEqual({});
    });

    it('the login and consent pages never send Access-Control-* headers', async () => {
      for (const url of ['/login', '/consent?interaction=x', '/signup']) {
        for (const method of ['GET', 'OPTIONS']) {
          const response = await sut.request({
            method,
            url,
            headers: { origin: SPA_ORIGIN, 'access-control-request-method': 'POST' },
          });
          expect(corsHeaders(response)).toEqual({});
        }
      }
      const login = await sut.request({
        method: 'POST',
        url: '/login',
        headers: { origin: SPA_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'username=a&password=b',
      });
      expect(login.statusCode).toBe(303);
      expect(corsHeaders(login)).toEqual({});
    });
  });
});
