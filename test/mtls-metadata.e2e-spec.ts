import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { jwkOf, selfSigned } from './support/certificates';
import { startTestApp, TestApp } from './support/test-app';

/** RFC 8705 §2.1.2 client metadata through the admin API and RFC 7591 registration. */
const SERVICE = { client_name: 'mtls service', grant_types: ['client_credentials'] };

function validationError(details: { field: string; problem: string }[]) {
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return {
    error: 'invalid_request',
    message: `${details[0].field}: ${details[0].problem}${more}`,
    details,
  };
}

describe('mutual TLS client metadata (RFC 8705 §2.1.2)', () => {
  let sut: TestApp;
  let jwk: Record<string, unknown>;
  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open' });
    jwk = await jwkOf(await selfSigned('CN=self'));
  });
  after(() => sut.close());

  it('creates a tls_client_auth client without a secret and shows its metadata', async () => {
    const response = await sut.admin('POST', '/admin/clients', {
      ...SERVICE,
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-a,O=Example',
      tls_client_certificate_bound_access_tokens: true,
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.client_secret).toBeUndefined();
    expect(body).toMatchObject({
      client_type: 'm2m',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-a,O=Example',
      tls_client_auth_san_dns: null,
      tls_client_auth_san_uri: null,
      tls_client_auth_san_ip: null,
      tls_client_auth_san_email: null,
      tls_client_certificate_bound_access_tokens: true,
    });
    const read = await sut.admin('GET', `/admin/clients/${body.client_id}`);
    expect(read.json()).toEqual({ ...body, client_secret_expires_at: undefined });
  });

  const cases: [string, object, ...{ field: string; problem: string }[]][] = [
    [
      'a DN that does not parse',
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=a,,O=b' },
      {
        field: 'tls_client_auth_subject_dn',
        problem: 'must be an RFC 4514 distinguished name such as CN=client-a,O=Example',
      },
    ],
    [
      'a SAN of the wrong type',
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_ip: 7 },
      {
        field: 'tls_client_auth_san_ip',
        problem: 'must be shorter than or equal to 45 characters',
      },
      { field: 'tls_client_auth_san_ip', problem: 'must be a string' },
    ],
    [
      'an IP SAN that is not an address',
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_ip: 'client.example' },
      { field: 'tls_client_auth_san_ip', problem: 'must be an IPv4 or IPv6 address' },
    ],
    [
      'a URI SAN that is not a URI',
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_uri: 'client a' },
      { field: 'tls_client_auth_san_uri', problem: 'must be an absolute URI' },
    ],
    [
      'an email SAN that is not an address',
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_email: 'a@' },
      { field: 'tls_client_auth_san_email', problem: 'must be an email address' },
    ],
    [
      'a DNS SAN that is not a DNS name',
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a b.example' },
      {
        field: 'tls_client_auth_san_dns',
        problem: 'must be a DNS name such as client.example.com',
      },
    ],
    [
      'a DN with a NUL byte',
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=a\u0000' },
      { field: 'tls_client_auth_subject_dn', problem: 'contains a NUL character' },
    ],
    [
      'a huge DN',
      {
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: `CN=${'a'.repeat(5000)}`,
      },
      {
        field: 'tls_client_auth_subject_dn',
        problem: 'must be shorter than or equal to 1024 characters',
      },
    ],
    [
      'a bound flag that is not a boolean',
      { tls_client_certificate_bound_access_tokens: 'yes' },
      {
        field: 'tls_client_certificate_bound_access_tokens',
        problem: 'must be a boolean value',
      },
    ],
    [
      'an inline jwks without a certificate-capable key',
      {
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] },
      },
      {
        field: 'jwks',
        problem:
          'self_signed_tls_client_auth needs a key with its certificate in x5c (RFC 8705 §2.2)',
      },
    ],
  ];
  for (const [name, metadata, ...problems] of cases) {
    const [problem] = problems;
    it(`admin API: ${name} is 400 naming the field`, async () => {
      const response = await sut.admin('POST', '/admin/clients', { ...SERVICE, ...metadata });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(validationError(problems));
    });

    it(`registration: ${name} is 400 invalid_client_metadata naming the field`, async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/register',
        headers: { 'content-type': 'application/json' },
        payload: { ...SERVICE, ...metadata },
      });
      expect(response.statusCode).toBe(400);
      // A NUL in any JSON string is refused as the body is read (docs/security/input.md), before
      // registration judges the metadata: invalid_request, still naming the field.
      const nul = problem.problem === 'contains a NUL character';
      expect(response.json()).toEqual({
        error: nul ? 'invalid_request' : 'invalid_client_metadata',
        error_description: `${problem.field}: ${problem.problem}`,
      });
    });
  }

  it('registers a self_signed_tls_client_auth client with its certificate in jwks', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/register',
      headers: { 'content-type': 'application/json' },
      payload: {
        ...SERVICE,
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [jwk] },
        tls_client_certificate_bound_access_tokens: true,
      },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.client_secret).toBeUndefined();
    expect(body).toMatchObject({
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [jwk] },
      tls_client_certificate_bound_access_tokens: true,
    });
  });

  it('registration echoes the one tls_client_auth name', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/register',
      headers: { 'content-type': 'application/json' },
      payload: {
        ...SERVICE,
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_san_dns: 'client.example.com',
      },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.tls_client_auth_san_dns).toBe('client.example.com');
    expect(body.tls_client_certificate_bound_access_tokens).toBe(false);
    expect('tls_client_auth_subject_dn' in body).toBe(false);
  });
});
