import { expect } from 'expect';
import { beforeEach, describe, it } from 'node:test';
import { Client } from '../clients/client';
import { GrantType } from '../clients/client.types';
import {
  InvalidRequestError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../common/oauth-error';
import { GrantHandler, TokenResponse } from './grants/grant-handler';
import { TokenParams } from './token-params';
import { TokenService } from './token.service';
import { GatehouseError } from '../common/errors';

/** A grant handler that records what it was asked and answers a fixed response. */
class StubGrant implements GrantHandler {
  readonly calls: { client: Client; params: TokenParams }[] = [];
  constructor(
    readonly grantType: GrantType,
    private readonly response: TokenResponse = {
      access_token: `token-from-${grantType}`,
      token_type: 'Bearer',
      expires_in: 60,
      scope: 'a',
    },
  ) {}

  async handle(client: Client, params: TokenParams): Promise<TokenResponse> {
    this.calls.push({ client, params });
    return this.response;
  }
}

function client(grantTypes: GrantType[]): Client {
  return { clientId: 'client-1', grantTypes, status: 'active' } as Client;
}

async function rejection(work: Promise<unknown>): Promise<GatehouseError> {
  return work.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: GatehouseError) => error,
  );
}

describe(TokenService.name, () => {
  let clientCredentials: StubGrant;
  let authorizationCode: StubGrant;
  let sut: TokenService;

  beforeEach(() => {
    clientCredentials = new StubGrant('client_credentials');
    authorizationCode = new StubGrant('authorization_code');
    sut = new TokenService([clientCredentials, authorizationCode]);
  });

  it('lists the supported grant types in their canonical order', () => {
    expect(sut.supportedGrantTypes).toEqual(['authorization_code', 'client_credentials']);
    expect(new TokenService([]).supportedGrantTypes).toEqual([]);
  });

  it("dispatches to the grant_type's handler with the client and parameters, and answers its response", async () => {
    const who = client(['client_credentials']);
    const params = { grant_type: 'client_credentials', scope: 'a', resource: ['x', 'y'] };
    const response = await sut.exchange(who, params);
    expect(response).toEqual({
      access_token: 'token-from-client_credentials',
      token_type: 'Bearer',
      expires_in: 60,
      scope: 'a',
    });
    expect(clientCredentials.calls).toEqual([{ client: who, params }]);
    expect(authorizationCode.calls).toEqual([]);
  });

  it('a missing grant_type is invalid_request and reaches no handler', async () => {
    const error = await rejection(sut.exchange(client(['client_credentials']), { scope: 'a' }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.toJSON()).toEqual({
      error: 'invalid_request',
      error_description: 'grant_type is required',
    });
    expect(clientCredentials.calls).toEqual([]);
  });

  it('an empty grant_type is invalid_request', async () => {
    const error = await rejection(sut.exchange(client(['client_credentials']), { grant_type: '' }));
    expect(error).toBeInstanceOf(InvalidRequestError);
  });

  it('a grant_type given as a list is invalid_request', async () => {
    const error = await rejection(
      sut.exchange(client(['client_credentials']), {
        grant_type: ['client_credentials', 'client_credentials'],
      }),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
  });

  it('a grant type without a handler is unsupported_grant_type (RFC 6749 §5.2)', async () => {
    for (const grantType of ['password', 'refresh_token', 'toString', '__proto__']) {
      const error = await rejection(
        sut.exchange(client(['client_credentials', 'refresh_token']), { grant_type: grantType }),
      );
      expect(error).toBeInstanceOf(UnsupportedGrantTypeError);
      expect(error.toJSON()).toEqual({
        error: 'unsupported_grant_type',
        error_description: `grant_type ${grantType} is not supported`,
      });
    }
  });

  it('a supported grant the client is not registered for is unauthorized_client and reaches no handler', async () => {
    const error = await rejection(
      sut.exchange(client(['authorization_code']), { grant_type: 'client_credentials' }),
    );
    expect(error).toBeInstanceOf(UnauthorizedClientError);
    expect(error.toJSON()).toEqual({
      error: 'unauthorized_client',
      error_description: 'the client is not allowed the client_credentials grant',
    });
    expect(error.status).toBe(400);
    expect(clientCredentials.calls).toEqual([]);
  });

  it('a dpop_bound_access_tokens client without a proof is invalid_request for every grant, and reaches no handler (RFC 9449 §5.2)', async () => {
    const bound = {
      ...client(['client_credentials', 'authorization_code']),
      dpopBoundAccessTokens: true,
    } as Client;
    for (const grantType of ['client_credentials', 'authorization_code']) {
      const error = await rejection(sut.exchange(bound, { grant_type: grantType }));
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.toJSON()).toEqual({
        error: 'invalid_request',
        error_description:
          'this client must send a DPoP proof with every token request (dpop_bound_access_tokens)',
      });
    }
    expect(clientCredentials.calls).toEqual([]);
    expect(authorizationCode.calls).toEqual([]);
    const params = { grant_type: 'client_credentials' };
    await sut.exchange(bound, params, undefined, { jkt: 'thumbprint' });
    expect(clientCredentials.calls).toEqual([{ client: bound, params }]);
  });

  it("a handler's error passes through unchanged", async () => {
    const failing: GrantHandler = {
      grantType: 'client_credentials',
      handle: () => Promise.reject(new InvalidRequestError('from the handler')),
    };
    const error = await rejection(
      new TokenService([failing]).exchange(client(['client_credentials']), {
        grant_type: 'client_credentials',
      }),
    );
    expect(error.toJSON()).toEqual({
      error: 'invalid_request',
      error_description: 'from the handler',
    });
  });
});
