import { FastifyRequest } from 'fastify';

/**
 * The DPoP proof of a request at an endpoint below the tokens module: `/par`, where a proof binds
 * the authorization code to its key (RFC 9449 §10.1). Defined here so that `authorization` can
 * depend on it; `tokens` implements it with the one proof check (tokens/dpop/dpop-proof.ts), its
 * server nonces and its audit of refusals.
 */
export abstract class DpopProofKeys {
  /**
   * The RFC 7638 thumbprint of the key of the request's valid DPoP proof for `POST path`, or
   * undefined when the request has no `DPoP` header. Throws the RFC 9449 error otherwise
   * (`invalid_dpop_proof`, or `use_dpop_nonce` with `DPoP-Nonce`).
   */
  abstract keyOf(request: FastifyRequest, path: string): Promise<string | undefined>;

  /** RFC 9449 §8.2: the `DPoP-Nonce` header every answer carries while nonces are required. */
  abstract nonceHeader(): Record<string, string>;
}
