import { Injectable } from '@nestjs/common';
import { ClientDirectory } from '../clients/client-directory.service';
import { Client } from '../clients/client';
import { GatehouseError } from '../common/errors';
import {
  InvalidRequestError,
  InvalidScopeError,
  RequestNotSupportedError,
  RequestUriNotSupportedError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from '../common/oauth-error';
import { parseScope } from '../common/auth/scope-syntax';
import {
  AuthorizationRequest,
  RedirectableError,
  resolveRedirectUri,
  UntrustedRequestError,
} from './authorization-request';
import { PKCE_SYNTAX } from './pkce';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { PushedRequests } from './pushed-requests.service';

type Params = Record<string, unknown>;
const PROMPTS = new Set(['none', 'login', 'consent']);

function one(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

/** What a pushed request keeps (RFC 9126 §2.1): the parameters readRequest reads, nothing else. */
const PUSHED_PARAMETERS = [
  'response_type',
  'response_mode',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'login_hint',
  'acr_values',
  'dpop_jkt',
] as const;

/** RFC 9449 §10: `dpop_jkt` is an RFC 7638 SHA-256 thumbprint, base64url without padding. */
const JKT_SYNTAX = /^[A-Za-z0-9_-]{43}$/;

/**
 * Validates an /authorize request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1), direct or by
 * a pushed `request_uri` (RFC 9126 §4), and a request pushed to /par (RFC 9126 §2.1): one set
 * of rules for both. At /authorize, until the client and redirect URI are known good, errors
 * are shown on our page (§4.1.2.1: never redirect to an unverified URI); after that they go back
 * to the client with `state` and `iss`.
 */
@Injectable()
export class AuthorizationRequestParser {
  constructor(
    private readonly clients: ClientDirectory,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly pushed: PushedRequests,
  ) {}

  async parse(params: Params): Promise<{ client: Client; request: AuthorizationRequest }> {
    for (const name of ['client_id', 'redirect_uri', 'request_uri']) {
      if (Array.isArray(params[name])) throw new UntrustedRequestError(`${name} is repeated`);
    }
    const clientId = one(params, 'client_id');
    if (!clientId) throw new UntrustedRequestError('client_id is missing');
    const client = await this.clients.findActive(clientId);
    if (!client) throw new UntrustedRequestError('the client is unknown or disabled');

    const requestUri = params.request_uri;
    if (requestUri !== undefined) {
      // RFC 9126 §4: only the pushed parameters count; the others beside client_id are ignored.
      const stored =
        typeof requestUri === 'string' ? await this.pushed.use(requestUri, clientId) : null;
      if (!stored) {
        throw new UntrustedRequestError(
          'invalid_request_uri: the request_uri is unknown, expired, already used or not this client’s',
        );
      }
      return this.read({ ...stored, client_id: clientId }, client, true);
    }
    return this.read(params, client, false);
  }

  /**
   * A request pushed to /par by the authenticated `client` (RFC 9126 §2.1): validated as at
   * /authorize, every error an RFC 6749 §5.2 error; the parameters to store.
   */
  parsePushed(params: Params, client: Client): Record<string, string> {
    const clientId = one(params, 'client_id');
    if (clientId !== undefined && clientId !== client.clientId) {
      throw new InvalidRequestError('client_id does not match the authenticated client');
    }
    if (params.request_uri !== undefined) {
      throw new InvalidRequestError('request_uri must not be pushed (RFC 9126 §2.1)');
    }
    const redirectUri = resolveRedirectUri(client, one(params, 'redirect_uri'));
    readRequest(params, client, redirectUri, one(params, 'state'), this.clock.now());
    const kept: Record<string, string> = {};
    for (const name of PUSHED_PARAMETERS) {
      const value = one(params, name);
      if (value !== undefined) kept[name] = value;
    }
    return kept;
  }

  private read(
    params: Params,
    client: Client,
    pushed: boolean,
  ): { client: Client; request: AuthorizationRequest } {
    const redirectUri = resolveRedirectUri(client, one(params, 'redirect_uri'));
    const rawState = params.state;
    const state = typeof rawState === 'string' ? rawState : undefined;
    try {
      if (
        !pushed &&
        (this.config.requirePushedAuthorizationRequests ||
          client.requirePushedAuthorizationRequests)
      ) {
        // RFC 9126 §5: only a request_uri from /par is accepted.
        throw new InvalidRequestError('authorization requests must be pushed to /par (RFC 9126)');
      }
      return { client, request: readRequest(params, client, redirectUri, state, this.clock.now()) };
    } catch (error) {
      if (error instanceof GatehouseError) throw RedirectableError.of(error, redirectUri, state);
      throw error;
    }
  }
}

/**
 * The rest of the request, once the client and its redirect URI are known good: every problem
 * is an error class of its code (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6).
 */
function readRequest(
  params: Params,
  client: Client,
  redirectUri: string,
  state: string | undefined,
  requestedAt: number,
): AuthorizationRequest {
  const repeated = Object.entries(params).find(([, value]) => Array.isArray(value));
  if (repeated) throw new InvalidRequestError(`parameter ${repeated[0]} is repeated`);
  if (params.request !== undefined)
    throw new RequestNotSupportedError('request objects are not supported');
  if (params.request_uri !== undefined)
    throw new RequestUriNotSupportedError('request_uri is not supported');

  const responseType = one(params, 'response_type');
  if (!responseType) throw new InvalidRequestError('response_type is required');
  if (responseType !== 'code')
    throw new UnsupportedResponseTypeError('only response_type=code is supported');
  const responseMode = one(params, 'response_mode');
  if (responseMode !== undefined && responseMode !== 'query') {
    throw new InvalidRequestError('only response_mode=query is supported');
  }
  if (!client.grantTypes.includes('authorization_code')) {
    throw new UnauthorizedClientError('the client may not use the authorization code flow');
  }

  const scopeParam = one(params, 'scope');
  let scopes = client.scopes;
  if (scopeParam !== undefined && scopeParam !== '') {
    const requested = parseScope(scopeParam);
    if (!requested) throw new InvalidScopeError('scope is malformed');
    scopes = requested;
    const outside = scopes.filter((scope) => !client.scopes.includes(scope));
    if (outside.length > 0)
      throw new InvalidScopeError(`the client may not request ${outside.join(' ')}`);
  }

  const codeChallenge = one(params, 'code_challenge');
  const method = one(params, 'code_challenge_method');
  if (codeChallenge === undefined) {
    if (method !== undefined)
      throw new InvalidRequestError('code_challenge_method without code_challenge');
    if (client.clientType === 'public')
      throw new InvalidRequestError('PKCE (code_challenge, S256) is required');
  } else {
    if (method !== 'S256') throw new InvalidRequestError('code_challenge_method must be S256');
    if (!PKCE_SYNTAX.test(codeChallenge))
      throw new InvalidRequestError('code_challenge is malformed');
  }

  const prompt = (one(params, 'prompt') ?? '').split(' ').filter(Boolean);
  if (prompt.some((value) => !PROMPTS.has(value)))
    throw new InvalidRequestError('prompt supports none, login and consent');
  if (prompt.includes('none') && prompt.length > 1)
    throw new InvalidRequestError('prompt=none stands alone');

  const maxAgeParam = one(params, 'max_age');
  let maxAge: number | undefined;
  if (maxAgeParam !== undefined) {
    if (!/^\d{1,9}$/.test(maxAgeParam))
      throw new InvalidRequestError('max_age must be a non-negative integer');
    maxAge = Number(maxAgeParam);
  }
  const dpopJkt = one(params, 'dpop_jkt');
  if (dpopJkt !== undefined && !JKT_SYNTAX.test(dpopJkt)) {
    throw new InvalidRequestError(
      'dpop_jkt must be the base64url SHA-256 thumbprint of a JWK (RFC 9449 §10)',
    );
  }
  // OIDC Core §3.1.2.1 acr_values: space-separated, in order of preference; values Gatehouse
  // does not know are ignored (docs/second-factors.md, Step-up).
  const acrValues = (one(params, 'acr_values') ?? '').split(' ').filter(Boolean);
  for (const name of ['state', 'nonce', 'login_hint', 'acr_values']) {
    const value = one(params, name);
    if (value !== undefined && value.length > 2048)
      throw new InvalidRequestError(`${name} is too long`);
  }

  return {
    clientId: client.clientId,
    redirectUri,
    redirectUriGiven: one(params, 'redirect_uri') !== undefined,
    scopes,
    state,
    nonce: one(params, 'nonce'),
    codeChallenge,
    codeChallengeMethod: codeChallenge ? 'S256' : undefined,
    ...(dpopJkt !== undefined ? { dpopJkt } : {}),
    prompt: prompt as AuthorizationRequest['prompt'],
    maxAge,
    loginHint: one(params, 'login_hint'),
    ...(acrValues.length > 0 ? { acrValues } : {}),
    requestedAt,
  };
}
