import { Injectable } from '@nestjs/common';
import { ClientDirectory } from '../clients/client-directory.service';
import { ClientEntity } from '../clients/client.entity';
import { parseScope } from '../common/auth/scope-syntax';
import {
  AuthorizationRequest,
  RedirectableError,
  resolveRedirectUri,
  UntrustedRequestError,
} from './authorization-request';
import { PKCE_SYNTAX } from './pkce';

type Params = Record<string, unknown>;
const PROMPTS = new Set(['none', 'login', 'consent']);

function one(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Validates an /authorize request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1). Until the
 * client and redirect URI are known good, errors are shown on our page (§4.1.2.1: never redirect
 * to an unverified URI); after that they go back to the client with `state` and `iss`.
 */
@Injectable()
export class AuthorizationRequestParser {
  constructor(private readonly clients: ClientDirectory) {}

  async parse(params: Params): Promise<{ client: ClientEntity; request: AuthorizationRequest }> {
    for (const name of ['client_id', 'redirect_uri']) {
      if (Array.isArray(params[name])) throw new UntrustedRequestError(`${name} is repeated`);
    }
    const clientId = one(params, 'client_id');
    if (!clientId) throw new UntrustedRequestError('client_id is missing');
    const client = await this.clients.findActive(clientId);
    if (!client) throw new UntrustedRequestError('the client is unknown or disabled');
    const redirectUri = resolveRedirectUri(client, one(params, 'redirect_uri'));

    const rawState = params.state;
    const state = typeof rawState === 'string' ? rawState : undefined;
    const fail = (error: string, description: string): never => {
      throw new RedirectableError(error, description, redirectUri, state);
    };

    const repeated = Object.entries(params).find(([, value]) => Array.isArray(value));
    if (repeated) fail('invalid_request', `parameter ${repeated[0]} is repeated`);
    if (params.request !== undefined)
      fail('request_not_supported', 'request objects are not supported');
    if (params.request_uri !== undefined)
      fail('request_uri_not_supported', 'request_uri is not supported');

    const responseType = one(params, 'response_type');
    if (!responseType) fail('invalid_request', 'response_type is required');
    if (responseType !== 'code')
      fail('unsupported_response_type', 'only response_type=code is supported');
    const responseMode = one(params, 'response_mode');
    if (responseMode !== undefined && responseMode !== 'query') {
      fail('invalid_request', 'only response_mode=query is supported');
    }
    if (!client.grantTypes.includes('authorization_code')) {
      fail('unauthorized_client', 'the client may not use the authorization code flow');
    }

    const scopeParam = one(params, 'scope');
    let scopes = client.scopes;
    if (scopeParam !== undefined && scopeParam !== '') {
      scopes = parseScope(scopeParam) ?? fail('invalid_scope', 'scope is malformed');
      const outside = scopes.filter((scope) => !client.scopes.includes(scope));
      if (outside.length > 0)
        fail('invalid_scope', `the client may not request ${outside.join(' ')}`);
    }

    const codeChallenge = one(params, 'code_challenge');
    const method = one(params, 'code_challenge_method');
    if (codeChallenge === undefined) {
      if (method !== undefined)
        fail('invalid_request', 'code_challenge_method without code_challenge');
      if (client.clientType === 'public')
        fail('invalid_request', 'PKCE (code_challenge, S256) is required');
    } else {
      if (method !== 'S256') fail('invalid_request', 'code_challenge_method must be S256');
      if (!PKCE_SYNTAX.test(codeChallenge)) fail('invalid_request', 'code_challenge is malformed');
    }

    const prompt = (one(params, 'prompt') ?? '').split(' ').filter(Boolean);
    if (prompt.some((value) => !PROMPTS.has(value)))
      fail('invalid_request', 'prompt supports none, login and consent');
    if (prompt.includes('none') && prompt.length > 1)
      fail('invalid_request', 'prompt=none stands alone');

    const maxAgeParam = one(params, 'max_age');
    let maxAge: number | undefined;
    if (maxAgeParam !== undefined) {
      if (!/^\d{1,9}$/.test(maxAgeParam))
        fail('invalid_request', 'max_age must be a non-negative integer');
      maxAge = Number(maxAgeParam);
    }
    for (const name of ['state', 'nonce', 'login_hint']) {
      const value = one(params, name);
      if (value !== undefined && value.length > 2048)
        fail('invalid_request', `${name} is too long`);
    }

    return {
      client,
      request: {
        clientId: client.clientId,
        redirectUri,
        redirectUriGiven: one(params, 'redirect_uri') !== undefined,
        scopes,
        state,
        nonce: one(params, 'nonce'),
        codeChallenge,
        codeChallengeMethod: codeChallenge ? 'S256' : undefined,
        prompt: prompt as AuthorizationRequest['prompt'],
        maxAge,
        loginHint: one(params, 'login_hint'),
        requestedAt: Date.now(),
      },
    };
  }
}
