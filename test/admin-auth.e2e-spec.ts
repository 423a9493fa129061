import { expect } from 'expect';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  basicAuth,
  InjectResult,
  startTestApp,
  TestApp,
} from './support/test-app';

const INVALID_TOKEN = {
  error: 'invalid_token',
  message: 'the access token is invalid or expired',
};
const INVALID_TOKEN_CHALLENGE =
  'Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid or expired"';

function expectInvalidToken(response: InjectResult): void {
  expect(response.statusCode).toBe(401);
  expect(response.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
  expect(response.json()).toEqual(INVALID_TOKEN);
}

/** Replaces one character in the middle of `segment` (never the last, whose low bits may be padding). */
function flipCharacter(segment: string): string {
  const at = Math.floor(segment.length / 2);
  const replacement = segment[at] === 'A' ? 'B' : 'A';
  return segment.slice(0, at) + replacement + segment.slice(at + 1);
}

describe('admin API authentication (RFC 6750 Bearer, scope iam:admin)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  const listClients = (authorization?: string) =>
    sut.request({
      method: 'GET',
      url: '/admin/clients',
      headers: authorization ? { authorization } : {},
    });
  const createClient = async (
    body: object,
  ): Promise<{ client_id: string; client_secret: string }> => {
    const response = await sut.admin('POST', '/admin/clients', body);
    expect(response.statusCode).toBe(201);
    return response.json();
  };
  const tokenFor = async (clientId: string, secret: string, scope?: string): Promise<string> => {
    const response = await sut.postForm(
      '/token',
      { grant_type: 'client_credentials', ...(scope ? { scope } : {}) },
      { authorization: basicAuth(clientId, secret) },
    );
    expect(response.statusCode).toBe(200);
    return response.json().access_token;
  };

  describe('401 without a good token', () => {
    it('answers 401 with a bare Bearer challenge when no token is sent (RFC 6750 §3.1)', async () => {
      const response = await listClients();
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      expect(response.json()).toEqual({
        error: 'unauthorized',
        message: 'a Bearer access token is required',
      });
    });

    const routes: [string, string, object?][] = [
      ['GET', '/admin/clients'],
      ['POST', '/admin/clients', { client_name: 'x', client_type: 'm2m' }],
      ['GET', `/admin/clients/${ADMIN_CLIENT_ID}`],
      ['PATCH', `/admin/clients/${ADMIN_CLIENT_ID}`, { status: 'disabled' }],
      ['DELETE', `/admin/clients/${ADMIN_CLIENT_ID}`],
      ['POST', `/admin/clients/${ADMIN_CLIENT_ID}/secret`],
    ];
    for (const [method, url, payload] of routes) {
      it(`protects ${method} ${url}: 401 without a token`, async () => {
        const response = await sut.request({
          method,
          url,
          headers: payload ? { 'content-type': 'application/json' } : {},
          payload,
        });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
        expect(response.json()).toEqual({
          error: 'unauthorized',
          message: 'a Bearer access token is required',
        });
      });
    }

    it('left the bootstrap admin client untouched after the unauthenticated attempts', async () => {
      const read = await sut.admin('GET', `/admin/clients/${ADMIN_CLIENT_ID}`);
      expect(read.statusCode).toBe(200);
      expect(read.json().status).toBe('active');
      expect(await sut.adminToken()).toEqual(expect.any(String));
    });

    it('answers 401 invalid_token for a garbage token', async () => {
      expectInvalidToken(await listClients('Bearer garbage'));
    });

    it('answers 401 invalid_token for a token whose signature was tampered with', async () => {
      const [header, payload, signature] = (await sut.adminToken()).split('.');
      expectInvalidToken(
        await listClients(`Bearer ${header}.${payload}.${flipCharacter(signature)}`),
      );
    });

    it('answers 401 invalid_token for a token whose claims were changed after signing', async () => {
      const [header, payload, signature] = (await sut.adminToken()).split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const forged = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString(
        'base64url',
      );
      expectInvalidToken(await listClients(`Bearer ${header}.${forged}.${signature}`));
    });

    it('answers 401 invalid_token for a token signed by a foreign key under our kid', async () => {
      const genuine = await sut.adminToken();
      const { alg, kid } = decodeProtectedHeader(genuine);
      const { privateKey } = await generateKeyPair(alg!, { extractable: true });
      const forged = await new SignJWT(decodeJwt(genuine))
        .setProtectedHeader({ alg: alg!, typ: 'at+jwt', kid })
        .sign(privateKey);
      expectInvalidToken(await listClients(`Bearer ${forged}`));
    });

    it('answers 401 invalid_token for an unsigned token (alg none)', async () => {
      const claims = decodeJwt(await sut.adminToken());
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims)}.`;
      expectInvalidToken(await listClients(`Bearer ${unsigned}`));
    });

    it('answers 401 invalid_token for a token issued for another audience (RFC 9068 §4)', async () => {
      const other = await createClient({
        client_name: 'admin for another API',
        client_type: 'm2m',
        scope: 'iam:admin',
        audience: ['https://api.example.com'],
      });
      const token = await tokenFor(other.client_id, other.client_secret);
      expect(decodeJwt(token).aud).toBe('https://api.example.com');
      expectInvalidToken(await listClients(`Bearer ${token}`));
    });

    it('answers 401 invalid_token when the Authorization header is not a Bearer token', async () => {
      const response = await listClients(basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET));
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="gatehouse", error="invalid_token", error_description="the Authorization header is not a Bearer token"',
      );
      expect(response.json()).toEqual({
        error: 'invalid_token',
        message: 'the Authorization header is not a Bearer token',
      });
    });
  });

  describe('accepted tokens', () => {
    it('accepts a valid admin token', async () => {
      const response = await listClients(`Bearer ${await sut.adminToken()}`);
      expect(response.statusCode).toBe(200);
    });

    it('accepts the auth scheme in any letter case (RFC 7235 §2.1)', async () => {
      const response = await listClients(`bearer ${await sut.adminToken()}`);
      expect(response.statusCode).toBe(200);
    });
  });

  describe('403 without the iam:admin scope', () => {
    const insufficientScope = (response: InjectResult) => {
      expect(response.statusCode).toBe(403);
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="gatehouse", error="insufficient_scope", scope="iam:admin"',
      );
      expect(response.json()).toEqual({
        error: 'insufficient_scope',
        message: 'the access token lacks the iam:admin scope',
      });
    };

    it('answers 403 insufficient_scope to a client without iam:admin', async () => {
      const worker = await createClient({
        client_name: 'worker',
        client_type: 'm2m',
        scope: 'invoices:read',
      });
      const token = await tokenFor(worker.client_id, worker.client_secret);
      insufficientScope(await listClients(`Bearer ${token}`));
      const create = await sut.request({
        method: 'POST',
        url: '/admin/clients',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: { client_name: 'sneaky', client_type: 'm2m', scope: 'iam:admin' },
      });
      insufficientScope(create);
    });

    it('answers 403 when an admin client asked for a token without iam:admin', async () => {
      const token = await tokenFor(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, 'iam:check');
      insufficientScope(await listClients(`Bearer ${token}`));
    });
  });

  describe('tokens of a client that is no longer active', () => {
    it('rejects the token of an admin-scoped client once it is disabled, and again after delete', async () => {
      const second = await createClient({
        client_name: 'second administrator',
        client_type: 'm2m',
        scope: 'iam:admin',
      });
      const token = await tokenFor(second.client_id, second.client_secret);
      expect((await listClients(`Bearer ${token}`)).statusCode).toBe(200);

      const disabled = await sut.admin('PATCH', `/admin/clients/${second.client_id}`, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      expectInvalidToken(await listClients(`Bearer ${token}`));
      const newToken = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(second.client_id, second.client_secret) },
      );
      expect(newToken.statusCode).toBe(401);
      expect(newToken.json()).toEqual({
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      });

      const deleted = await sut.admin('DELETE', `/admin/clients/${second.client_id}`);
      expect(deleted.statusCode).toBe(204);
      expectInvalidToken(await listClients(`Bearer ${token}`));
    });

    it('rejects the token of a deleted admin-scoped client', async () => {
      const third = await createClient({
        client_name: 'third administrator',
        client_type: 'm2m',
        scope: 'iam:admin',
      });
      const token = await tokenFor(third.client_id, third.client_secret);
      expect((await listClients(`Bearer ${token}`)).statusCode).toBe(200);
      expect((await sut.admin('DELETE', `/admin/clients/${third.client_id}`)).statusCode).toBe(204);
      expectInvalidToken(await listClients(`Bearer ${token}`));
    });

    it('keeps the bootstrap admin working throughout', async () => {
      const response = await listClients(`Bearer ${await sut.adminToken()}`);
      expect(response.statusCode).toBe(200);
    });
  });
});
