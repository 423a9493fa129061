import { decodeProtectedHeader, jwtVerify } from 'jose';
import { createSecretKey, generateKeyPair, KeyObject, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ASSERTION_SIGNING_ALGORITHMS } from '../client.types';

const generate = promisify(generateKeyPair);

/** The key type each assertion algorithm verifies with (RFC 7518 §3.1, RFC 8037 §3.1). */
function keyTypeOf(alg: string): string {
  if (alg.startsWith('HS')) return 'oct';
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'rsa';
  if (alg === 'ES256') return 'P-256';
  if (alg === 'ES384') return 'P-384';
  if (alg === 'ES512') return 'P-521';
  return 'ed25519';
}

async function publicKeyOf(type: string): Promise<KeyObject> {
  // client_secret_jwt: a secret of 64 random octets, never stored, never told.
  if (type === 'oct') return createSecretKey(randomBytes(64));
  const { publicKey } =
    type === 'rsa'
      ? await generate('rsa', { modulusLength: 2048 })
      : type === 'ed25519'
        ? await generate('ed25519')
        : await generate('ec', { namedCurve: type });
  return publicKey;
}

/**
 * The signature check a client assertion costs, spent when its client is unknown (or not a
 * client of the method presented): the assertion is verified against a public key of its own algorithm
 * whose private half was thrown away, so it never verifies, and an unknown client_id takes as
 * long to refuse as a bad assertion for a known one (no oracle for which clients exist).
 */
export class DecoyAssertionCheck {
  private readonly keys = new Map<string, Promise<KeyObject>>();

  async check(assertion: string): Promise<void> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(assertion).alg;
    } catch {
      return; // a real check stops here too: malformed
    }
    if (typeof alg !== 'string' || !ASSERTION_SIGNING_ALGORITHMS.includes(alg)) return;
    try {
      await jwtVerify(assertion, await this.keyFor(alg), { algorithms: [alg] });
    } catch {
      // Expected: nobody holds the private key.
    }
  }

  private keyFor(alg: string): Promise<KeyObject> {
    const type = keyTypeOf(alg);
    let key = this.keys.get(type);
    if (!key) {
      key = publicKeyOf(type);
      this.keys.set(type, key);
    }
    return key;
  }
}
