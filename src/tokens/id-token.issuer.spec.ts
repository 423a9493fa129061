import { expect } from 'expect';
import { JWTPayload } from 'jose';
import { beforeEach, describe, it } from 'node:test';
import { Client } from '../clients/client';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { User } from '../users/user';
import { atHash, IdTokenIssuer, IdTokenRequest } from './id-token.issuer';
import { SystemClock } from '../common/clock';

const ISSUER = 'https://id.example.com';
const config = { issuer: ISSUER, tokens: { accessTokenLifetime: 900 } } as AppConfig;

/** Records what would be signed instead of signing it. */
class RecordingJwt {
  readonly signed: { payload: JWTPayload; typ: string; alg: string }[] = [];
  sign(payload: JWTPayload, typ: string, alg: string): Promise<string> {
    this.signed.push({ payload, typ, alg });
    return Promise.resolve('signed.id.token');
  }
}

const user = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  username: 'alice',
  email: 'alice@example.com',
  emailVerified: true,
  name: 'Alice Liddell',
  givenName: null,
  familyName: null,
  updatedAt: new Date('2026-03-04T05:06:07Z'),
} as User;

const client = { clientId: 'web-app', accessTokenLifetime: null } as Client;

describe(IdTokenIssuer.name, () => {
  let jwt: RecordingJwt;
  let sut: IdTokenIssuer;
  const authTime = new Date('2026-03-04T05:00:00.750Z');

  const request = (overrides: Partial<IdTokenRequest> = {}): IdTokenRequest => ({
    client,
    user,
    scopes: ['openid'],
    authTime,
    amr: ['pwd'],
    nonce: 'n-0S6_WzA2Mj',
    accessToken: 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y',
    ...overrides,
  });

  beforeEach(() => {
    jwt = new RecordingJwt();
    sut = new IdTokenIssuer(jwt as unknown as JwtService, config, new SystemClock());
  });

  it('says a sign-in with a second factor reached the MFA level (RFC 8176 amr, OIDC Core §2 acr)', async () => {
    await sut.issue(request({ amr: ['pwd', 'otp', 'mfa'] }));
    expect(jwt.signed[0].payload).toMatchObject({
      amr: ['pwd', 'otp', 'mfa'],
      acr: 'urn:gatehouse:acr:mfa',
    });
  });

  it('signs RS256 with typ JWT and returns what the signer made', async () => {
    expect(await sut.issue(request())).toBe('signed.id.token');
    expect(jwt.signed).toHaveLength(1);
    expect(jwt.signed[0]).toMatchObject({ typ: 'JWT', alg: 'RS256' });
  });

  it('carries exactly iss sub aud azp iat exp auth_time amr acr nonce at_hash for scope openid (OIDC Core §2)', async () => {
    const before = Math.floor(Date.now() / 1000);
    await sut.issue(request());
    const { payload } = jwt.signed[0];
    expect(payload).toEqual({
      iss: ISSUER,
      sub: user.id,
      aud: 'web-app',
      azp: 'web-app',
      iat: expect.any(Number),
      exp: payload.iat! + 900,
      auth_time: Math.floor(authTime.getTime() / 1000),
      amr: ['pwd'],
      acr: 'urn:gatehouse:acr:password',
      nonce: 'n-0S6_WzA2Mj',
      at_hash: '77QmUPtjPfzWtF2AnpK9RQ',
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it("expires after the client's own access token lifetime when it has one", async () => {
    await sut.issue(request({ client: { ...client, accessTokenLifetime: 120 } }));
    const { payload } = jwt.signed[0];
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it('leaves nonce out when the request had none', async () => {
    await sut.issue(request({ nonce: null }));
    await sut.issue(request({ nonce: undefined }));
    for (const { payload } of jwt.signed) expect('nonce' in payload).toBe(false);
  });

  it('adds the claims of the profile and email scopes', async () => {
    await sut.issue(request({ scopes: ['openid', 'profile', 'email'] }));
    expect(jwt.signed[0].payload).toMatchObject({
      preferred_username: 'alice',
      name: 'Alice Liddell',
      updated_at: Math.floor(user.updatedAt.getTime() / 1000),
      email: 'alice@example.com',
      email_verified: true,
    });
    expect(jwt.signed[0].payload).not.toHaveProperty('given_name');
  });
});

describe(atHash.name, () => {
  it('is the base64url left half of SHA-256 of the access token (OIDC Core §3.1.3.6, the Appendix A example)', () => {
    expect(atHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y')).toBe('77QmUPtjPfzWtF2AnpK9RQ');
  });

  it('differs for a different access token and is 22 characters (128 bits)', () => {
    expect(atHash('another-token')).not.toBe(atHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y'));
    expect(atHash('another-token')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
