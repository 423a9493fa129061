import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

describe('smoke: an admin registers an m2m client that gets a token', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  it('issues a client_credentials token to a freshly registered client', async () => {
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'svc',
      client_type: 'm2m',
      scope: 'a b',
    });
    expect(created.statusCode).toBe(201);
    const { client_id, client_secret } = created.json();
    const token = await sut.postForm(
      '/token',
      { grant_type: 'client_credentials', scope: 'a' },
      { authorization: basicAuth(client_id, client_secret) },
    );
    expect(token.statusCode).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    expect(token.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'a',
    });
  });
});
