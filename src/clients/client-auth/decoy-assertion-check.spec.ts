import { expect } from 'expect';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, it } from 'node:test';
import { DecoyAssertionCheck } from './decoy-assertion-check';

describe(DecoyAssertionCheck.name, () => {
  const sut = new DecoyAssertionCheck();

  for (const alg of ['RS256', 'PS384', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
    it(`checks a genuine ${alg} assertion against its own key type without throwing`, async () => {
      const { privateKey } = await generateKeyPair(alg);
      const assertion = await new SignJWT({ sub: 'c' })
        .setProtectedHeader({ alg })
        .setExpirationTime('1m')
        .sign(privateKey);
      await expect(sut.check(assertion)).resolves.toBeUndefined();
    });
  }

  it('returns at once for a malformed assertion or a refused algorithm', async () => {
    await expect(sut.check('not a jwt')).resolves.toBeUndefined();
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`;
    await expect(sut.check(none)).resolves.toBeUndefined();
  });
});
