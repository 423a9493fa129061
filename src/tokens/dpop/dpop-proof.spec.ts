import { expect } from 'expect';
import { generateKeyPairSync } from 'node:crypto';
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
});
