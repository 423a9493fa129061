import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A software WebAuthn authenticator for e2e tests: ES256 keys from node:crypto, `none`
 * attestation, CBOR written by hand (RFC 8949 §3: the few major types WebAuthn uses). It
 * answers our JSON options the way a browser's `toJSON()` would (WebAuthn §5.1.8).
 */

type Cbor = number | string | Uint8Array | Map<number | string, Cbor> | { [key: string]: Cbor };

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) {
    const out = Buffer.alloc(3);
    out[0] = (major << 5) | 25;
    out.writeUInt16BE(length, 1);
    return out;
  }
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(length, 1);
  return out;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([
    head(5, entries.length),
    ...entries.flatMap(([key, member]) => [cbor(key), cbor(member)]),
  ]);
}

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

export interface SoftAuthenticatorOptions {
  /** The origin the "browser" reports in clientDataJSON. */
  origin: string;
  /** A synced passkey (BE and BS flags) instead of one bound to this authenticator. */
  synced?: boolean;
  /** Whether the authenticator verifies the person (UV flag). */
  userVerified?: boolean;
  /** Step the counter by this much per assertion (0: does not count). */
  counterStep?: number;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(private readonly options: SoftAuthenticatorOptions) {}

  private flags(extra: number): number {
    let flags = FLAG.UP | extra;
    if (this.options.userVerified !== false) flags |= FLAG.UV;
    if (this.options.synced) flags |= FLAG.BE | FLAG.BS;
    return flags;
  }

  private clientData(type: string, challenge: string, origin?: string): Buffer {
    return Buffer.from(
      JSON.stringify({
        type,
        challenge,
        origin: origin ?? this.options.origin,
        crossOrigin: false,
      }),
    );
  }

  /** navigator.credentials.create() for our registration options. */
  register(
    options: { challenge: string; rp: { id: string }; user: { id: string } },
    overrides: { origin?: string; rpId?: string } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map<number, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const id = randomBytes(32);
    const credentialData = Buffer.concat([
      Buffer.alloc(16), // AAGUID: none
      Buffer.from([id.length >> 8, id.length & 0xff]),
      id,
      cose,
    ]);
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? options.rp.id),
      Buffer.from([this.flags(FLAG.AT)]),
      Buffer.alloc(4),
      credentialData,
    ]);
    const credential: SoftCredential = {
      id,
      privateKey,
      userHandle: options.user.id,
      counter: 0,
    };
    this.credentials.push(credential);
    return {
      id: id.toString('base64url'),
      rawId: id.toString('base64url'),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: this.clientData(
          'webauthn.create',
          options.challenge,
          overrides.origin,
        ).toString('base64url'),
        attestationObject: cbor({ fmt: 'none', attStmt: {}, authData }).toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  /** navigator.credentials.get() with `credential` (default: the first) for our options. */
  assert(
    options: { challenge: string; rpId: string },
    overrides: {
      credential?: SoftCredential;
      origin?: string;
      rpId?: string;
      counter?: number;
      userHandle?: string | null;
      type?: string;
    } = {},
  ) {
    const credential = overrides.credential ?? this.credentials[0];
    credential.counter = overrides.counter ?? credential.counter + (this.options.counterStep ?? 1);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(credential.counter);
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? options.rpId),
      Buffer.from([this.flags(0)]),
      counter,
    ]);
    const clientDataJSON = this.clientData(
      overrides.type ?? 'webauthn.get',
      options.challenge,
      overrides.origin,
    );
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      credential.privateKey,
    );
    const userHandle =
      overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id: credential.id.toString('base64url'),
      rawId: credential.id.toString('base64url'),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }
}

function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}
