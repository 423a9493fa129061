import { expect } from 'expect';
import { FastifyRequest } from 'fastify';
import { describe, it } from 'node:test';
import { InvalidClientError, InvalidRequestError } from '../../common/oauth-error';
import { JWT_BEARER_ASSERTION_TYPE, presentedCredentials } from './presented-credentials';
import { GatehouseError } from '../../common/errors';

function request(body: Record<string, unknown>, authorization?: string): FastifyRequest {
  return {
    body,
    headers: authorization === undefined ? {} : { authorization },
  } as unknown as FastifyRequest;
}

/** RFC 6749 §2.3.1: each part is application/x-www-form-urlencoded, then Basic-encoded. */
function basic(clientId: string, secret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

function basicRaw(decoded: string): string {
  return `Basic ${Buffer.from(decoded).toString('base64')}`;
}

/** An unsigned JWT with these claims: this layer only reads, the strategy verifies. */
function jwtFor(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k1' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function asserted(assertion: string): Record<string, string> {
  return { client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion };
}

function thrown(work: () => unknown): GatehouseError {
  try {
    work();
  } catch (error) {
    return error as GatehouseError;
  }
  throw new Error('expected an error');
}

describe(presentedCredentials.name, () => {
  describe('client_secret_basic (RFC 6749 §2.3.1)', () => {
    it('decodes client_id and secret from the Basic header', () => {
      expect(presentedCredentials(request({}, basic('my-client', 'my-secret')))).toEqual({
        method: 'client_secret_basic',
        clientId: 'my-client',
        secret: 'my-secret',
        viaHeader: true,
      });
    });

    it("form-url-decodes both parts: a secret with ':' and '%', a client_id with ':'", () => {
      const sut = presentedCredentials(request({}, basic('urn:client:1', 'a:b%c d+e/f=')));
      expect(sut).toMatchObject({ clientId: 'urn:client:1', secret: 'a:b%c d+e/f=' });
    });

    it("splits at the first ':', since an encoded client_id holds none", () => {
      const sut = presentedCredentials(request({}, basicRaw('client:sec:ret')));
      expect(sut).toMatchObject({ clientId: 'client', secret: 'sec:ret' });
    });

    it("decodes '+' as a space (application/x-www-form-urlencoded)", () => {
      const sut = presentedCredentials(request({}, basicRaw('client:a+b%2Bc')));
      expect(sut).toMatchObject({ secret: 'a b+c' });
    });

    it('decodes UTF-8 percent-encoding', () => {
      const sut = presentedCredentials(request({}, basic('client', 'pässwörd€')));
      expect(sut).toMatchObject({ secret: 'pässwörd€' });
    });

    it('accepts the scheme name in any letter case (RFC 7235 §2.1)', () => {
      const header = basic('client', 'secret').replace('Basic', 'bAsIc');
      expect(presentedCredentials(request({}, header))).toMatchObject({ clientId: 'client' });
    });

    it('accepts an empty secret: the strategy then refuses it', () => {
      expect(presentedCredentials(request({}, basicRaw('client:')))).toMatchObject({
        clientId: 'client',
        secret: '',
      });
    });

    it('accepts a body client_id equal to the header one', () => {
      const sut = presentedCredentials(request({ client_id: 'client' }, basic('client', 's')));
      expect(sut.method).toBe('client_secret_basic');
    });

    for (const [name, header] of [
      ['not base64', 'Basic !!!'],
      ['empty', 'Basic '],
      ['without a colon', basicRaw('client')],
      ['with an empty client_id', basicRaw(':secret')],
      ['with a bare %', basicRaw('client:100%')],
      ['with bad percent-encoding', basicRaw('client:%E0%A4%A')],
    ]) {
      it(`a header ${name} is invalid_client with a Basic challenge`, () => {
        const error = thrown(() => presentedCredentials(request({}, header)));
        expect(error).toBeInstanceOf(InvalidClientError);
        expect(error.status).toBe(401);
        expect(error.headers['www-authenticate']).toMatch(/^Basic /);
      });
    }

    it('another Authorization scheme is invalid_client with a Basic challenge', () => {
      const error = thrown(() => presentedCredentials(request({}, 'Bearer abc')));
      expect(error).toBeInstanceOf(InvalidClientError);
      expect(error.headers['www-authenticate']).toMatch(/^Basic /);
    });

    it('a body client_id different from the header is invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(request({ client_id: 'other' }, basic('client', 's'))),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });
  });

  describe('client_secret_post (RFC 6749 §2.3.1)', () => {
    it('takes client_id and client_secret from the body', () => {
      expect(presentedCredentials(request({ client_id: 'c', client_secret: 'a:b%' }))).toEqual({
        method: 'client_secret_post',
        clientId: 'c',
        secret: 'a:b%',
        viaHeader: false,
      });
    });

    it('client_secret without client_id is invalid_client without a challenge', () => {
      const error = thrown(() => presentedCredentials(request({ client_secret: 's' })));
      expect(error).toBeInstanceOf(InvalidClientError);
      expect(error.headers).toEqual({});
    });

    it('a repeated client_secret is invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(request({ client_id: 'c', client_secret: ['a', 'b'] })),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });

    it('a repeated client_id is invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(request({ client_id: ['c', 'd'], client_secret: 's' })),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });
  });

  describe('private_key_jwt (RFC 7523 §2.2, RFC 7521 §4.2)', () => {
    it("names the client by the assertion's sub and carries the assertion unverified", () => {
      const assertion = jwtFor({ iss: 'key-client', sub: 'key-client', aud: 'x' });
      expect(presentedCredentials(request(asserted(assertion)))).toEqual({
        method: 'private_key_jwt',
        clientId: 'key-client',
        assertion,
        viaHeader: false,
      });
    });

    it('accepts a body client_id equal to the sub', () => {
      const sut = presentedCredentials(
        request({ client_id: 'key-client', ...asserted(jwtFor({ sub: 'key-client' })) }),
      );
      expect(sut).toMatchObject({ method: 'private_key_jwt', clientId: 'key-client' });
    });

    it('a body client_id different from the sub is invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(
          request({ client_id: 'other', ...asserted(jwtFor({ sub: 'key-client' })) }),
        ),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.status).toBe(400);
    });

    it('another client_assertion_type is invalid_client (an unsupported method)', () => {
      const error = thrown(() =>
        presentedCredentials(
          request({
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
            client_assertion: jwtFor({ sub: 'key-client' }),
          }),
        ),
      );
      expect(error).toBeInstanceOf(InvalidClientError);
      expect(error.status).toBe(401);
      expect(error.headers).toEqual({});
    });

    it('client_assertion without client_assertion_type is invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(request({ client_assertion: jwtFor({ sub: 'key-client' }) })),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });

    it('client_assertion_type without client_assertion is invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(
          request({ client_id: 'c', client_assertion_type: JWT_BEARER_ASSERTION_TYPE }),
        ),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });

    for (const [name, assertion] of [
      ['not a JWT', 'not-a-jwt'],
      ['a JWT without sub', jwtFor({ iss: 'key-client' })],
      ['a JWT with an empty sub', jwtFor({ sub: '' })],
      ['a JWT with a numeric sub', jwtFor({ sub: 42 })],
    ] as const) {
      it(`an assertion that is ${name} is invalid_client`, () => {
        const error = thrown(() => presentedCredentials(request(asserted(assertion))));
        expect(error).toBeInstanceOf(InvalidClientError);
        expect(error.status).toBe(401);
      });
    }

    it('a repeated client_assertion is invalid_request', () => {
      const assertion = jwtFor({ sub: 'key-client' });
      const error = thrown(() =>
        presentedCredentials(
          request({
            client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
            client_assertion: [assertion, assertion],
          }),
        ),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });
  });

  describe('one method per request (RFC 6749 §2.3)', () => {
    it('a Basic header and a body client_secret together are invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(request({ client_secret: 's' }, basic('client', 's'))),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.status).toBe(400);
    });

    it('a Basic header and a client_assertion together are invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(request({ client_assertion: 'jwt' }, basic('client', 's'))),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });

    it('a client_secret and a client_assertion together are invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(
          request({ client_id: 'c', client_secret: 's', ...asserted(jwtFor({ sub: 'c' })) }),
        ),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });

    it('a Basic header and a lone client_assertion_type together are invalid_request', () => {
      const error = thrown(() =>
        presentedCredentials(
          request({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE }, basic('client', 's')),
        ),
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
    });

    it('only a client_id is the none method of public clients (RFC 6749 §2.1)', () => {
      expect(presentedCredentials(request({ client_id: 'public-app' }))).toEqual({
        method: 'none',
        clientId: 'public-app',
        viaHeader: false,
      });
    });

    it('no credentials at all is invalid_client without a challenge', () => {
      const error = thrown(() => presentedCredentials(request({})));
      expect(error).toBeInstanceOf(InvalidClientError);
      expect(error.headers).toEqual({});
    });

    it('a missing body counts as no credentials', () => {
      const error = thrown(() =>
        presentedCredentials({ headers: {} } as unknown as FastifyRequest),
      );
      expect(error).toBeInstanceOf(InvalidClientError);
    });
  });
});
