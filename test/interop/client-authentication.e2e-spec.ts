import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { startListeningApp } from '../support/listening-app';
import { basicAuth, InjectResult, TestApp } from '../support/test-app';

const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
};
const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';

interface Service {
  client_id: string;
  client_secret: string;
}

/**
 * openid-client v6 authenticates with client_secret_post when it is given a bare secret, while
 * clients register as client_secret_basic by default (RFC 7591 §2). The 401 says where to look,
 * and says the same whatever failed, for known and unknown clients alike.
 */
describe('client authentication: which method, and what a failure says', () => {
  let sut: TestApp;
  let base: string;
  let basicService: Service;
  let postService: Service;
  const insecure = { execute: [oidc.allowInsecureRequests] };

  async function service(method?: string): Promise<Service> {
    const response = await sut.admin('POST', '/admin/clients', {
      client_name: 'service',
      client_type: 'm2m',
      grant_types: ['client_credentials'],
      ...(method ? { token_endpoint_auth_method: method } : {}),
    });
    expect(response.statusCode).toBe(201);
    return response.json();
  }

  before(async () => {
    ({ sut, issuer: base } = await startListeningApp());
    basicService = await service();
    postService = await service('client_secret_post');
  });
  after(() => sut.close());

  describe('with openid-client v6', () => {
    const grant = async (clientId: string, auth: string | oidc.ClientAuth) => {
      const config =
        typeof auth === 'string'
          ? await oidc.discovery(new URL(base), clientId, auth, undefined, insecure)
          : await oidc.discovery(new URL(base), clientId, undefined, auth, insecure);
      return oidc.clientCredentialsGrant(config);
    };

    it('a bare secret (client_secret_post) for a client_secret_basic client is refused, pointing at the method', async () => {
      const failure = await grant(basicService.client_id, basicService.client_secret).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(oidc.ResponseBodyError);
      const { status, error, error_description } = failure as oidc.ResponseBodyError;
      expect({ status, error, error_description }).toEqual({ status: 401, ...INVALID_CLIENT });
    });

    it('ClientSecretBasic works for a client_secret_basic client', async () => {
      const tokens = await grant(
        basicService.client_id,
        oidc.ClientSecretBasic(basicService.client_secret),
      );
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
    });

    it('a bare secret works for a client registered as client_secret_post', async () => {
      const tokens = await grant(postService.client_id, postService.client_secret);
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
    });
  });

  describe('every failure answers the same 401, whether or not the client exists', () => {
    const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      sut.postForm('/token', { grant_type: 'client_credentials', ...form }, headers);
    const expectRefused = (response: InjectResult, challenge: string | undefined) => {
      expect({
        status: response.statusCode,
        body: response.json(),
        challenge: response.headers['www-authenticate'],
      }).toEqual({ status: 401, body: INVALID_CLIENT, challenge });
    };

    // Fresh clients per test, so that no client collects enough failures for a backoff.
    it('in the form body: wrong method, wrong secret, unknown client, no secret', async () => {
      const { client_id, client_secret } = await service();
      expectRefused(await token({ client_id, client_secret }), undefined);
      expectRefused(
        await token({ client_id: postService.client_id, client_secret: 'x' }),
        undefined,
      );
      expectRefused(await token({ client_id: 'no-such-client', client_secret: 'x' }), undefined);
      expectRefused(await token({ client_id }), undefined);
      expectRefused(await token({ client_id: 'no-such-client' }), undefined);
    });

    it('in the Authorization header: wrong method, wrong secret, unknown client, another scheme', async () => {
      const { client_id, client_secret } = await service('client_secret_post');
      expectRefused(
        await token({}, { authorization: basicAuth(client_id, client_secret) }),
        BASIC_CHALLENGE,
      );
      expectRefused(
        await token({}, { authorization: basicAuth((await service()).client_id, 'wrong') }),
        BASIC_CHALLENGE,
      );
      expectRefused(
        await token({}, { authorization: basicAuth('no-such-client', 'wrong') }),
        BASIC_CHALLENGE,
      );
      expectRefused(await token({}, { authorization: 'Digest abc' }), BASIC_CHALLENGE);
    });

    it('the same at /introspect and /revoke', async () => {
      for (const url of ['/introspect', '/revoke']) {
        const victim = await service();
        expectRefused(
          await sut.postForm(
            url,
            { token: 'x' },
            {
              authorization: basicAuth('no-such-client', 'wrong'),
            },
          ),
          BASIC_CHALLENGE,
        );
        expectRefused(
          await sut.postForm(url, {
            token: 'x',
            client_id: victim.client_id,
            client_secret: victim.client_secret,
          }),
          undefined,
        );
      }
    });
  });
});
