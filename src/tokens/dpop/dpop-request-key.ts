import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { DpopProofKeys } from '../../common/auth/dpop-proof-keys';
import { auditContext } from '../../events/audit-context';
import { DpopNonces, UseDpopNonceError } from './dpop-nonce';
import { DpopProof, dpopHeader, DpopProofVerifier, InvalidDpopProofError } from './dpop-proof';
import { DpopRefusals } from './dpop-refusals';

/**
 * The DPoP proof of a request to a client-authenticated endpoint (/token, RFC 9449 §5; /par,
 * §10.1): the one proof check, with the server nonce (§8) when required; a refusal is audited.
 * Also `DpopProofKeys`, the port through which /par (a lower module) asks.
 */
@Injectable()
export class DpopRequestKeys extends DpopProofKeys {
  constructor(
    private readonly dpop: DpopProofVerifier,
    private readonly nonces: DpopNonces,
    private readonly refusals: DpopRefusals,
  ) {
    super();
  }

  async keyOf(request: FastifyRequest, path: string): Promise<string | undefined> {
    return (await this.proofOf(request, path))?.jkt;
  }

  /** The request's verified proof for `POST path`; undefined without a `DPoP` header. */
  async proofOf(request: FastifyRequest, path: string): Promise<DpopProof | undefined> {
    try {
      const header = dpopHeader(request);
      // Absent is no proof; present but empty is a proof that fails (RFC 9449 §4.3 (1)).
      if (header === undefined) return undefined;
      return await this.dpop.verify(header, {
        method: 'POST',
        path,
        nonce: (nonce) => this.nonces.check(nonce),
      });
    } catch (error) {
      if (error instanceof InvalidDpopProofError || error instanceof UseDpopNonceError) {
        const client = request.client;
        this.refusals.record(
          auditContext(
            request,
            client ? { type: 'client', id: client.clientId } : { type: 'anonymous' },
          ),
          path,
          error,
        );
      }
      throw error;
    }
  }

  /** RFC 9449 §8.2: the current nonce, for the answers of an endpoint that takes proofs. */
  nonceHeader(): Record<string, string> {
    return this.nonces.header();
  }
}
