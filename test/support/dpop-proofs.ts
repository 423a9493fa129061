import { randomUUID, createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';

export const ISSUER = 'http://localhost:3000';

export interface DpopKey {
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
  alg: string;
  /** RFC 7638 thumbprint: what `cnf.jkt` and `dpop_jkt` carry. */
  jkt: string;
}

export async function dpopKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, alg, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

export interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  accessToken?: string;
  /** RFC 9449 §8: the server's nonce; left out when undefined. */
  nonce?: unknown;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
}

/** A DPoP proof (RFC 9449 §4.2) by `key`, for POST /token unless told otherwise. */
export function proof(
  key: DpopKey,
  {
    htm = 'POST',
    htu = `${ISSUER}/token`,
    iat = Math.floor(Date.now() / 1000),
    accessToken,
    nonce,
    claims = {},
    header = {},
  }: ProofOptions = {},
): Promise<string> {
  return new SignJWT({
    htm,
    htu,
    jti: randomUUID(),
    ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk, ...header })
    .setIssuedAt(iat)
    .sign(key.privateKey);
}
