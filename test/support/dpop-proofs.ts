import { DpopKey, dpopProof, ProofOptions as AnyProofOptions } from './dpop';

export { DpopKey, dpopKey } from './dpop';

/** The issuer of the test apps: proofs for its endpoints name it in `htu`. */
export const ISSUER = 'http://localhost:3000';

export type ProofOptions = Partial<AnyProofOptions>;

/** A DPoP proof (RFC 9449 §4.2) by `key`, for POST /token unless told otherwise. */
export function proof(key: DpopKey, options: ProofOptions = {}): Promise<string> {
  return dpopProof(key, { htm: 'POST', htu: `${ISSUER}/token`, ...options });
}
