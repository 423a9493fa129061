import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { createUser, hiddenFields, PASSWORD } from './support/code-flow';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

/**
 * Two applications in one process, each on its own database (an embedding program, or tests):
 * each authenticates against its own data only. Passport's default registry is one per process;
 * each application has its own, so the strategies of the one started last do not serve both.
 */
describe('two applications in one process, separate databases', () => {
  let first: TestApp;
  let second: TestApp;
  before(async () => {
    first = await startTestApp();
    second = await startTestApp();
  });
  after(async () => {
    await second.close();
    await first.close();
  });

  const clientCredentials = (sut: TestApp, id: string, secret: string) =>
    sut.postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(id, secret) },
    );

  it('a client created only in the first authenticates there and gets 401 at the second', async () => {
    const created = await first.admin('POST', '/admin/clients', {
      client_name: 'first only',
      client_type: 'm2m',
      scope: 'jobs',
    });
    expect(created.statusCode).toBe(201);
    const { client_id, client_secret } = created.json<{
      client_id: string;
      client_secret: string;
    }>();

    const here = await clientCredentials(first, client_id, client_secret);
    expect(here.statusCode).toBe(200);
    const there = await clientCredentials(second, client_id, client_secret);
    expect({ status: there.statusCode, body: there.json() }).toEqual({
      status: 401,
      body: {
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      },
    });
  });

  it('a person created only in the first signs in there and not at the second', async () => {
    const username = `first-only-${Date.now()}`;
    await createUser(first, { username });
    const signIn = async (sut: TestApp) => {
      const page = await sut.request({ method: 'GET', url: '/login' });
      const csrf = hiddenFields(page.body).csrf_token;
      const response = await sut.postForm(
        '/login',
        { csrf_token: csrf, username, password: PASSWORD },
        { cookie: `gatehouse_csrf=${csrf}` },
      );
      expect(response.statusCode).toBe(303);
      return response.headers.location;
    };
    expect(await signIn(first)).not.toMatch(/^\/login\?error=/);
    expect(await signIn(second)).toBe('/login?error=invalid');
  });
});
