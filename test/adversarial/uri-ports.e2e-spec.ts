import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { startTestApp, TestApp } from '../support/test-app';

const PORT_PROBLEM = 'must have a port from 1 to 65535, in digits without a leading zero';
const WEB = {
  client_name: 'web',
  client_type: 'confidential',
  redirect_uris: ['http://127.0.0.1:8080/cb'],
};

/**
 * RFC 6335 §6: a port is 1 to 65535. Every URI a client registers, through the admin API or
 * RFC 7591 registration, reads its port one way, and an impossible one is a 400 naming the field.
 */
describe('registered URIs refuse impossible ports', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open', JWKS_URI_ALLOW_PRIVATE: 'true' });
  });
  after(() => sut.close());

  const fields: [string, object][] = [
    ['redirect_uris[0]', { redirect_uris: ['http://127.0.0.1:99999/cb'] }],
    ['post_logout_redirect_uris[0]', { post_logout_redirect_uris: ['http://127.0.0.1:0/out'] }],
    ['allowed_cors_origins[0]', { allowed_cors_origins: ['https://app.example.com:65536'] }],
    ['audience[0]', { audience: ['https://api.example.com:/v1'] }],
    [
      'jwks_uri',
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://127.0.0.1:+443/jwks' },
    ],
  ];
  for (const [field, metadata] of fields) {
    it(`admin API: ${field} with an impossible port is 400 naming it`, async () => {
      const response = await sut.admin('POST', '/admin/clients', { ...WEB, ...metadata });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message: `${field}: ${PORT_PROBLEM}`,
          details: [{ field, problem: PORT_PROBLEM }],
        },
      });
    });
  }

  it('registration (RFC 7591 §3.2.2): redirect_uris with port 99999 is 400 invalid_redirect_uri', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/register',
      headers: { 'content-type': 'application/json' },
      payload: { client_name: 'web', redirect_uris: ['http://127.0.0.1:99999/cb'] },
    });
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_redirect_uri',
        error_description: `redirect_uris[0]: ${PORT_PROBLEM}`,
      },
    });
  });

  it('a port from 1 to 65535 is accepted', async () => {
    const response = await sut.admin('POST', '/admin/clients', {
      ...WEB,
      redirect_uris: ['http://127.0.0.1:65535/cb', 'http://[::1]:1/cb'],
    });
    expect(response.statusCode).toBe(201);
  });
});
