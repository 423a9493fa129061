import { KeyObject, sign } from 'node:crypto';
import { SigningAlgorithm } from './signing-algorithms';

/** RFC 7518 §3: the digest and signature encoding node:crypto needs for each JWS algorithm. */
const NODE_PARAMS: Record<SigningAlgorithm, { digest: string | null; dsaEncoding?: 'ieee-p1363' }> =
  {
    ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363' }, // §3.4: R || S, not DER
    EdDSA: { digest: null }, // RFC 8037 §3.1: Ed25519 hashes internally
    RS256: { digest: 'sha256' }, // §3.3: RSASSA-PKCS1-v1_5
  };

/**
 * RFC 7515 §7.1 JWS Compact Serialization with node:crypto's asynchronous sign, which runs on
 * libuv's thread pool: the event loop keeps serving requests while a token is signed. (jose
 * signs through WebCrypto, which does most of its work on the main thread in Node 20.)
 * Verification stays with jose.
 */
export class JwsSigner {
  private readonly headers = new Map<string, string>();

  constructor(
    readonly kid: string,
    readonly alg: SigningAlgorithm,
    private readonly key: KeyObject,
  ) {}

  async sign(payload: object, typ: string): Promise<string> {
    const input = `${this.header(typ)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const { digest, dsaEncoding } = NODE_PARAMS[this.alg];
    const signature = await new Promise<Buffer>((resolve, reject) =>
      sign(
        digest,
        Buffer.from(input),
        dsaEncoding ? { key: this.key, dsaEncoding } : this.key,
        (error, result) => (error ? reject(error) : resolve(result)),
      ),
    );
    return `${input}.${signature.toString('base64url')}`;
  }

  /** The protected header for a `typ`, serialized once. */
  private header(typ: string): string {
    let header = this.headers.get(typ);
    if (!header) {
      header = Buffer.from(JSON.stringify({ alg: this.alg, typ, kid: this.kid })).toString(
        'base64url',
      );
      this.headers.set(typ, header);
    }
    return header;
  }
}
