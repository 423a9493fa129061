import { expect } from 'expect';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { SystemClock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { Housekeeping } from '../../database/housekeeping.service';
import { DpopProofVerifier, InvalidDpopProofError } from './dpop-proof';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A proof-shaped JWS whose signature is garbage: refused either way, the detail says where. */
function forged(jwk: Record<string, unknown>): string {
  const header = b64({ typ: 'dpop+jwt', alg: 'RS256', jwk });
  const payload = b64({ htm: 'POST', htu: 'https://issuer.example/token', iat: 0, jti: 'j' });
  return `${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`;
}

describe(DpopProofVerifier.name, () => {
  const sut = new DpopProofVerifier(
    { issuer: 'https://issuer.example' } as AppConfig,
    {} as DataSource, // never reached: every proof here is refused before its jti is recorded
    new SystemClock(),
    { register: () => undefined } as unknown as Housekeeping,
  );
  const refusal = (proof: string) =>
    sut.verify(proof, { method: 'POST', path: '/token' }).then(
      () => undefined,
      (error: InstanceType<typeof InvalidDpopProofError>) => error.detail,
    );
  const rsa = (bits: number) =>
    generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });

  it('refuses an RSA key over 4096 bits before it checks the signature (a replay stays cheap)', async () => {
    const huge = { kty: 'RSA', e: 'AQAB', n: Buffer.alloc(1024, 0xff).toString('base64url') };
    expect(await refusal(forged(huge))).toBe('RSA key larger than 4096 bits');
  });

  it('checks the signature of a proof by a 4096-bit RSA key', async () => {
    expect(await refusal(forged(rsa(4096)))).toBe('signature or claims do not verify');
  });

  /** A valid proof for POST /token at https://issuer.example, with `claims` over the defaults. */
  async function signed(claims: Record<string, unknown> = {}): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return new SignJWT({
      htm: 'POST',
      htu: 'https://issuer.example/token',
      jti: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .setIssuedAt()
      .sign(privateKey);
  }

  it('refuses a nonce that is not a string, before the nonce check and the jti (RFC 9449 §4.2)', async () => {
    const seen: unknown[] = [];
    for (const nonce of [42, true, null, ['n'], { n: 1 }]) {
      const error = await sut
        .verify(await signed({ nonce }), {
          method: 'POST',
          path: '/token',
          nonce: (value) => seen.push(value),
        })
        .catch((refusal: InstanceType<typeof InvalidDpopProofError>) => refusal);
      expect(error).toBeInstanceOf(InvalidDpopProofError);
      expect((error as InstanceType<typeof InvalidDpopProofError>).detail).toBe(
        'nonce is not a string',
      );
    }
    expect(seen).toEqual([]);
  });

  it("hands the proof's nonce to the caller's check, whose refusal comes before the jti is spent", async () => {
    const seen: unknown[] = [];
    const refusal = new Error('use the nonce');
    for (const claims of [{ nonce: 'n-1' }, {}]) {
      const error = await sut
        .verify(await signed(claims), {
          method: 'POST',
          path: '/token',
          nonce: (value) => {
            seen.push(value);
            throw refusal;
          },
        })
        .catch((thrown: unknown) => thrown);
      // The DataSource is a stub: reaching the jti table would have failed otherwise.
      expect(error).toBe(refusal);
    }
    expect(seen).toEqual(['n-1', undefined]);
  });
});
