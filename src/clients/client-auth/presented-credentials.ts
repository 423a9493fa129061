import { FastifyRequest } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { InvalidClientError, InvalidRequestError } from '../../common/oauth-error';
import { CLIENT_SECRET_JWT_ALGORITHMS, TokenEndpointAuthMethod } from '../client.types';

export interface PresentedCredentials {
  method: TokenEndpointAuthMethod;
  clientId: string;
  secret?: string;
  /** private_key_jwt and client_secret_jwt: the client assertion, not yet verified. */
  assertion?: string;
  /** True when the Authorization header carried them: failures then carry a Basic challenge. */
  viaHeader: boolean;
}

type Params = Record<string, unknown>;

/** The clients.client_id column's length. */
const MAX_CLIENT_ID_LENGTH = 128;

/** C0 controls and DEL. */
function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** RFC 7523 §2.2: the one client assertion type this server accepts. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

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
  if (colon <= 0) throw new InvalidClientError('malformed Basic header', true);
  try {
    const unescape = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return {
      clientId: unescape(decoded.slice(0, colon)),
      secret: unescape(decoded.slice(colon + 1)),
    };
  } catch {
    throw new InvalidClientError('malformed Basic encoding', true);
  }
}

/**
 * RFC 7521 §4.2, RFC 7523 §2.2: client_assertion with client_assertion_type jwt-bearer; a
 * client_id in the body is optional and must name the same client.
 *
 * Which claim names the client: `sub`. For client authentication RFC 7523 §3 (2.B) says "the
 * subject MUST be the client_id"; `iss` (§3 (1)) names who issued the JWT, which is the client
 * too only because the assertion is self-issued (RFC 7521 §5.2, OIDC Core §9). So `sub` is read
 * here, unverified, to find the client, its keys and its backoff records, and
 * ClientAssertionVerifier then requires `iss` and `sub` both to equal that client_id: an
 * assertion whose `iss` names anyone else fails there, as invalid_client like any bad assertion.
 */
function fromAssertion(
  assertion: string | undefined,
  assertionType: string | undefined,
  bodyClientId: string | undefined,
): PresentedCredentials {
  if (assertion === undefined || assertionType === undefined) {
    throw new InvalidRequestError(
      'client_assertion and client_assertion_type must be given together (RFC 7521 §4.2)',
    );
  }
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
    throw new InvalidClientError('unsupported assertion type');
  }
  let sub: unknown;
  let alg: unknown;
  try {
    sub = decodeJwt(assertion).sub;
    alg = decodeProtectedHeader(assertion).alg;
  } catch {
    throw new InvalidClientError('malformed client_assertion');
  }
  if (typeof sub !== 'string' || sub === '') {
    throw new InvalidClientError('client_assertion has no sub');
  }
  // No client_id is longer than its column or holds a control character (a NUL cannot even be
  // looked up in PostgreSQL text): such a sub names no client, and is refused like one.
  if (sub.length > MAX_CLIENT_ID_LENGTH || [...sub].some(isControl)) {
    throw new InvalidClientError('client_assertion sub is not a client_id');
  }
  if (bodyClientId !== undefined && bodyClientId !== sub) {
    throw new InvalidRequestError('client_id differs from the client_assertion subject');
  }
  // The header's algorithm says which of the two JWT methods is presented (RFC 7523 §2.2, OIDC
  // Core §9): an HMAC is client_secret_jwt, anything else private_key_jwt. Either way the method
  // must be the client's registered one, and the verifier then holds `alg` to its allow-list.
  const method =
    typeof alg === 'string' && CLIENT_SECRET_JWT_ALGORITHMS.includes(alg)
      ? 'client_secret_jwt'
      : 'private_key_jwt';
  return { method, clientId: sub, assertion, viaHeader: false };
}

/** Read once per request: the guard and then the method's strategy both ask (a /token hot path). */
const presentedByRequest = new WeakMap<FastifyRequest, PresentedCredentials>();

/**
 * Which client authentication the request presents. RFC 6749 §2.3: a client MUST NOT use more
 * than one method in a request, so two at once is `invalid_request`.
 */
export function presentedCredentials(request: FastifyRequest): PresentedCredentials {
  let presented = presentedByRequest.get(request);
  if (!presented) {
    presented = readCredentials(request);
    presentedByRequest.set(request, presented);
  }
  return presented;
}

function readCredentials(request: FastifyRequest): PresentedCredentials {
  const params = (request.body ?? {}) as Params;
  const header = request.headers.authorization;
  const bodySecret = single(params, 'client_secret');
  const bodyClientId = single(params, 'client_id');
  const assertion = single(params, 'client_assertion');
  const assertionType = single(params, 'client_assertion_type');
  const asserted = assertion !== undefined || assertionType !== undefined;

  const methods = [header !== undefined, bodySecret !== undefined, asserted];
  if (methods.filter(Boolean).length > 1) {
    throw new InvalidRequestError('use exactly one client authentication method per request');
  }
  if (header !== undefined) {
    if (!/^Basic /i.test(header)) {
      throw new InvalidClientError('unsupported Authorization scheme', true);
    }
    const { clientId, secret } = decodeBasic(header);
    if (bodyClientId !== undefined && bodyClientId !== clientId) {
      throw new InvalidRequestError('client_id in the body differs from the Authorization header');
    }
    return { method: 'client_secret_basic', clientId, secret, viaHeader: true };
  }
  if (asserted) return fromAssertion(assertion, assertionType, bodyClientId);
  if (!bodyClientId) throw new InvalidClientError('no client credentials');
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
