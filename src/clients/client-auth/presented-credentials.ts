import { FastifyRequest } from 'fastify';
import { InvalidClientError, InvalidRequestError } from '../../common/oauth-error';
import { TokenEndpointAuthMethod } from '../client.types';

export interface PresentedCredentials {
  method: TokenEndpointAuthMethod;
  clientId: string;
  secret?: string;
  /** True when the Authorization header carried them: failures then carry a Basic challenge. */
  viaHeader: boolean;
}

type Params = Record<string, unknown>;

function single(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError(`${name} must be given once`);
  return value;
}

/** RFC 6749 §2.3.1: client_id and secret are form-urlencoded before Basic encoding. */
function decodeBasic(header: string): { clientId: string; secret: string } {
  const encoded = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header.trim())?.[1];
  const decoded = encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0)
    throw new InvalidClientError('client authentication failed', 'malformed Basic header', true);
  try {
    const unescape = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return {
      clientId: unescape(decoded.slice(0, colon)),
      secret: unescape(decoded.slice(colon + 1)),
    };
  } catch {
    throw new InvalidClientError('client authentication failed', 'malformed Basic encoding', true);
  }
}

/**
 * Which client authentication the request presents. RFC 6749 §2.3: a client MUST NOT use more
 * than one method in a request, so two at once is `invalid_request`.
 */
export function presentedCredentials(request: FastifyRequest): PresentedCredentials {
  const params = (request.body ?? {}) as Params;
  const header = request.headers.authorization;
  const bodySecret = single(params, 'client_secret');
  const bodyClientId = single(params, 'client_id');
  const assertion = single(params, 'client_assertion');

  const methods = [header !== undefined, bodySecret !== undefined, assertion !== undefined];
  if (methods.filter(Boolean).length > 1) {
    throw new InvalidRequestError('use exactly one client authentication method per request');
  }
  if (header !== undefined) {
    if (!/^Basic /i.test(header)) {
      throw new InvalidClientError(
        'client authentication failed',
        'unsupported Authorization scheme',
        true,
      );
    }
    const { clientId, secret } = decodeBasic(header);
    if (bodyClientId !== undefined && bodyClientId !== clientId) {
      throw new InvalidRequestError('client_id in the body differs from the Authorization header');
    }
    return { method: 'client_secret_basic', clientId, secret, viaHeader: true };
  }
  if (assertion !== undefined) {
    throw new InvalidClientError('client authentication failed', 'private_key_jwt is not enabled');
  }
  if (!bodyClientId)
    throw new InvalidClientError('client authentication failed', 'no client credentials');
  if (bodySecret !== undefined) {
    return {
      method: 'client_secret_post',
      clientId: bodyClientId,
      secret: bodySecret,
      viaHeader: false,
    };
  }
  return { method: 'none', clientId: bodyClientId, viaHeader: false };
}
