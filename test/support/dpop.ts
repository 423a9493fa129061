import { calculateJwkThumbprint, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { createHash, randomUUID } from 'node:crypto';

/** A DPoP key pair (RFC 9449 §4.2) and the thumbprint a bound token's `cnf.jkt` carries. */
export interface DpopKey {
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
  alg: string;
  jkt: string;
}

export async function dpopKey(alg: 'ES256' | 'EdDSA' | 'RS256' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, alg, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

export interface ProofOptions {
  htm: string;
  htu: string;
  iat?: number;
  /** The access token the proof goes with (`ath`). */
  accessToken?: string;
  jti?: string;
  /** RFC 9449 §8: the server's nonce; left out when undefined. */
  nonce?: unknown;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
}

/** A DPoP proof (RFC 9449 §4.2) by `key` for `htm` and `htu`, with overrides. */
export function dpopProof(key: DpopKey, options: ProofOptions): Promise<string> {
  const { htm, htu, iat = Math.floor(Date.now() / 1000), accessToken } = options;
  return new SignJWT({
    htm,
    htu,
    jti: options.jti ?? randomUUID(),
    ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    ...options.claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk, ...options.header })
    .setIssuedAt(iat)
    .sign(key.privateKey);
}

/** A compact JWS of `header` and `payload` with the given signature part (forgeries). */
export function unsignedJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = '',
): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64(header)}.${b64(payload)}.${signature}`;
}
