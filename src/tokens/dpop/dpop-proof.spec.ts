import { expect } from 'expect';
import {
  constants,
  createHash,
  generateKeyPairSync,
  randomUUID,
  sign as cryptoSign,
} from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { SystemClock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { Housekeeping } from '../../database/housekeeping.service';
import {
  checkDpopProof,
  DpopProofVerifier,
  InvalidDpopProofError,
  normalizedHtu,
} from './dpop-proof';

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

  it('refuses an RSA key under 2048 bits (RFC 7518 §3.3) and checks one of 2048', async () => {
    expect(await refusal(forged(rsa(1024)))).toBe('RSA key smaller than 2048 bits');
    expect(await refusal(forged(rsa(2040)))).toBe('RSA key smaller than 2048 bits');
    expect(await refusal(forged(rsa(2048)))).toBe('signature or claims do not verify');
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

describe(checkDpopProof.name, () => {
  const NOW = 1_800_000_000;
  const HTU = 'https://api.example.com/invoices';
  const sign = (
    alg: 'ES256' | 'RS256' | 'PS256' | 'EdDSA',
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
  ) => {
    const pairs = {
      ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
      PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
      EdDSA: () => generateKeyPairSync('ed25519'),
    };
    const { privateKey, publicKey } = pairs[alg]();
    const jwk = publicKey.export({ format: 'jwk' });
    const input = `${b64({ typ: 'dpop+jwt', alg, jwk, ...header })}.${b64({ htm: 'GET', htu: HTU, iat: NOW, jti: 'j-1', ...claims })}`;
    const options = {
      ES256: { key: privateKey, dsaEncoding: 'ieee-p1363' as const },
      RS256: privateKey,
      PS256: { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      EdDSA: privateKey,
    }[alg];
    const signature = cryptoSign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), options);
    return { proof: `${input}.${signature.toString('base64url')}`, jwk };
  };
  const detail = (proof: string, htu = HTU) => {
    try {
      checkDpopProof(proof, { method: 'GET', htu }, NOW);
      return 'accepted';
    } catch (error) {
      return (error as InstanceType<typeof InvalidDpopProofError>).detail;
    }
  };

  it('accepts each allowed algorithm, with the RFC 7638 thumbprint of its key', () => {
    for (const alg of ['ES256', 'RS256', 'PS256', 'EdDSA'] as const) {
      const { proof, jwk } = sign(alg);
      const members = {
        EC: ['crv', 'kty', 'x', 'y'],
        RSA: ['e', 'kty', 'n'],
        OKP: ['crv', 'kty', 'x'],
      }[jwk.kty as 'EC' | 'RSA' | 'OKP'];
      const canonical = JSON.stringify(
        Object.fromEntries(members.map((m) => [m, (jwk as Record<string, unknown>)[m]])),
      );
      expect(checkDpopProof(proof, { method: 'GET', htu: HTU }, NOW)).toEqual({
        jkt: createHash('sha256').update(canonical).digest('base64url'),
        jti: 'j-1',
        iat: NOW,
      });
    }
  });

  it('refuses a key that does not suit the algorithm, crit, and an expired or future proof', () => {
    const es = sign('ES256');
    const [, payload, signature] = es.proof.split('.');
    const asEdDSA = `${b64({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: es.jwk })}.${payload}.${signature}`;
    expect(detail(asEdDSA)).toBe('jwk does not suit alg');
    expect(detail(sign('ES256', {}, { crit: ['b64'], b64: true }).proof)).toBe(
      'crit is not understood',
    );
    expect(detail(sign('ES256', { exp: NOW - 1 }).proof)).toBe('signature or claims do not verify');
    expect(detail(sign('ES256', { nbf: NOW + 1 }).proof)).toBe('signature or claims do not verify');
    expect(
      detail(
        `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: es.jwk, kid: 'changed' })}.${payload}.${signature}`,
      ),
    ).toBe('signature or claims do not verify');
    expect(detail('a.b')).toBe('not a JWS');
    expect(detail('x'.repeat(9000))).toBe('proof too long');
  });

  it('compares htu without query or fragment, scheme and host in any case, a default port ignored', () => {
    const { proof } = sign('EdDSA', { htu: 'HTTPS://API.Example.com:443/invoices?x=1#y' });
    expect(detail(proof)).toBe('accepted');
    expect(detail(proof, 'https://api.example.com/Invoices')).toBe('htu does not match');
    expect(detail(proof, 'http://api.example.com/invoices')).toBe('htu does not match');
    expect(detail(proof, 'not a url')).toBe('htu does not match');
  });
});

describe(normalizedHtu.name, () => {
  it('normalizes scheme, host and default port, keeps the path as written', () => {
    expect(normalizedHtu('HTTPS://A.Example:443/P/q?x#y')).toBe('https://a.example/P/q');
    expect(normalizedHtu('http://a.example:80')).toBe('http://a.example/');
    expect(normalizedHtu('http://a.example:8080/x')).toBe('http://a.example:8080/x');
    expect(normalizedHtu('ftp://a.example/x')).toBeUndefined();
    expect(normalizedHtu('https://user@a.example/x')).toBeUndefined();
    expect(normalizedHtu('/relative')).toBeUndefined();
  });
});
