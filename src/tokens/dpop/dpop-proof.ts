import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { constants, createHash, createPublicKey, JsonWebKey, KeyObject, verify } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { errorClass } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import { Housekeeping } from '../../database/housekeeping.service';

/** RFC 9449 §4.2: asymmetric algorithms only; `none` and the HMACs are never accepted. */
export const DPOP_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'];

/** RFC 9449 §4.3 (11): how far a proof's `iat` may be from now, either way. */
export const DPOP_IAT_WINDOW_S = 60;

/** The longest `jti` remembered (RFC 9449 §4.2 asks for enough randomness, not more). */
const MAX_JTI_LENGTH = 256;
/**
 * The longest RSA modulus a proof key may have, base64url: 4096 bits. A proof is verified before
 * its `jti` is known to be new, so a replayed proof must stay cheap to refuse.
 */
const MAX_RSA_MODULUS_CHARS = Math.ceil((4096 / 8) * (4 / 3));
/** RFC 7518 §3.3, §3.5: an RSA key of fewer than 2048 bits is refused (base64url chars). */
const MIN_RSA_MODULUS_CHARS = Math.ceil((2048 / 8) * (4 / 3));
/**
 * The longest proof read: a 4096-bit RSA key's proof is about 2,000 characters. A longer one is
 * refused before it is decoded.
 */
const MAX_PROOF_CHARS = 8192;

/** RFC 9449 §5: a refused proof at the token endpoint is `invalid_dpop_proof`, 400. */
export const InvalidDpopProofError = errorClass('invalid_dpop_proof', 400);

/** The members of a private JWK (RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface DpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key, base64url: what `cnf.jkt` carries. */
  jkt: string;
  /** RFC 9449 §4.2 `nonce`, when the proof carries one. */
  nonce?: string;
}

/** base64url SHA-256 of an access token: a proof's `ath` (RFC 9449 §4.2). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/**
 * The `DPoP` header of a request: undefined when absent; a repeated header is refused
 * (RFC 9449 §4.3 (1): exactly one). Node joins a repeated header with `, `, and a proof (a
 * compact JWS) never holds a comma.
 */
export function dpopHeader(request: { headers: IncomingHttpHeaders }): string | undefined {
  const raw = request.headers.dpop;
  if (raw === undefined) return undefined;
  if (Array.isArray(raw) || raw.includes(',')) {
    throw new InvalidDpopProofError('exactly one DPoP header is allowed');
  }
  return raw;
}

/** What a proof must say to be good for one request (RFC 9449 §4.3). */
export interface DpopExpectation {
  /** The request's method, compared exactly (`htm`). */
  method: string;
  /** The request's URI, absolute, with or without query and fragment (`htu`). */
  htu: string;
  /** The access token presented with the proof: its hash must be the proof's `ath`. */
  accessToken?: string;
}

/** A proof that passed every check but the replay check, which needs memory. */
export interface CheckedDpopProof extends DpopProof {
  jti: string;
  /** The proof's `iat` (seconds): its `jti` needs remembering until `iat` + the window. */
  iat: number;
}

/**
 * The one DPoP proof check (RFC 9449 §4.3), pure: a `dpop+jwt` signed with an allowed asymmetric
 * algorithm by the public `jwk` in its header, for this method and URI, issued within the window
 * (`windowS` seconds either way) around `nowS`, with a `jti`, and, with an access token, its
 * `ath`. It does not know whether the `jti` was seen before: the caller remembers it (the token
 * endpoint in a table across processes, the access decisions in memory,
 * docs/decisions/0302-dpop-replay-in-memory-for-decisions.md). Every refusal is
 * `InvalidDpopProofError` with the reason in the log detail only.
 *
 * Synchronous, on node:crypto (docs/decisions/0304-dpop-proofs-checked-on-node-crypto.md): a
 * decision about a DPoP-bound token is answered in the same tick, at the cost of one signature
 * verification (the key of a header already seen is not imported again).
 */
export function checkDpopProof(
  proof: string,
  expected: DpopExpectation,
  nowS: number,
  windowS = DPOP_IAT_WINDOW_S,
): CheckedDpopProof {
  const refuse = (detail: string) => new InvalidDpopProofError('the DPoP proof is invalid', detail);
  if (proof.length > MAX_PROOF_CHARS) throw refuse('proof too long');
  const parts = COMPACT_JWS.exec(proof);
  if (!parts) throw refuse('not a JWS');
  const [, protectedHeader, encodedPayload, signature] = parts;
  const key = proofKey(protectedHeader);
  if (typeof key === 'string') throw refuse(key);
  const payload = jsonObject(encodedPayload);
  const input = Buffer.from(`${protectedHeader}.${encodedPayload}`, 'ascii');
  if (!payload || !verifySignature(key, input, Buffer.from(signature, 'base64url'))) {
    throw refuse('signature or claims do not verify');
  }
  const { htm, htu, iat, jti, ath, exp, nbf, nonce } = payload;
  // RFC 7519 §4.1.4, §4.1.5: a proof may carry them; if it does, they hold.
  if (
    (exp !== undefined && !(typeof exp === 'number' && exp > nowS)) ||
    (nbf !== undefined && !(typeof nbf === 'number' && nbf <= nowS))
  ) {
    throw refuse('signature or claims do not verify');
  }
  if (htm !== expected.method) throw refuse('htm does not match');
  const wanted = normalizedHtu(expected.htu);
  if (wanted === undefined || typeof htu !== 'string' || normalizedHtu(htu) !== wanted) {
    throw refuse('htu does not match');
  }
  if (typeof iat !== 'number' || Math.abs(nowS - iat) > windowS) {
    throw refuse('iat outside the window');
  }
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw refuse('jti missing or too long');
  }
  if (expected.accessToken !== undefined && ath !== accessTokenHash(expected.accessToken)) {
    throw refuse('ath does not match the access token');
  }
  // RFC 9449 §8, §9: the server's nonce, when the caller requires one, is its to check.
  if (nonce !== undefined && typeof nonce !== 'string') throw refuse('nonce is not a string');
  return nonce === undefined ? { jkt: key.jkt, jti, iat } : { jkt: key.jkt, jti, iat, nonce };
}

/** RFC 7515 §7.1: three base64url parts, none empty. */
const COMPACT_JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/** A proof's key, read from its protected header once (ProofKeys). */
interface ProofKey {
  alg: string;
  key: KeyObject;
  /** RFC 7638 thumbprint of the key. */
  jkt: string;
}

/**
 * What each algorithm needs (RFC 7518 §3.3-3.5, RFC 8037 §3.1): the key type and curve the
 * `jwk` must have, and how node:crypto checks the signature.
 */
const ALGORITHMS: Record<
  string,
  { kty: string; crv?: string; digest: string | null; options: object }
> = {
  ES256: { kty: 'EC', crv: 'P-256', digest: 'sha256', options: { dsaEncoding: 'ieee-p1363' } },
  RS256: { kty: 'RSA', digest: 'sha256', options: {} },
  PS256: {
    kty: 'RSA',
    digest: 'sha256',
    options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
  },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', digest: null, options: {} },
};

/** RFC 7638 §3.2: the members of each key type's thumbprint, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/** Protected headers already read, so that a client's next proof costs no key import. */
const proofKeys = new Map<string, ProofKey>();
const PROOF_KEYS_CAPACITY = 1000;

/**
 * The key of a proof's protected header (RFC 9449 §4.3 (4)-(7)): `typ` `dpop+jwt`, an allowed
 * `alg`, a public `jwk` of the algorithm's type (an RSA modulus at most 4096 bits), no `crit`;
 * or why not. A client sends the same header with every proof, so the key is imported and its
 * thumbprint computed once per header, not per request.
 */
function proofKey(encoded: string): ProofKey | string {
  const known = proofKeys.get(encoded);
  if (known) return known;
  const header = jsonObject(encoded);
  if (!header) return 'not a JWS';
  if (header.typ !== 'dpop+jwt') return 'typ is not dpop+jwt';
  const alg = header.alg;
  if (typeof alg !== 'string' || !DPOP_ALGORITHMS.includes(alg)) return 'alg not allowed';
  if (header.crit !== undefined) return 'crit is not understood';
  const jwk = header.jwk;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) return 'no jwk';
  const members = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in members)) return 'jwk carries a private key';
  if (
    members.kty === 'RSA' &&
    (typeof members.n !== 'string' || members.n.length > MAX_RSA_MODULUS_CHARS)
  ) {
    return 'RSA key larger than 4096 bits';
  }
  if (members.kty === 'RSA' && (members.n as string).length < MIN_RSA_MODULUS_CHARS) {
    return 'RSA key smaller than 2048 bits';
  }
  const wanted = ALGORITHMS[alg];
  if (members.kty !== wanted.kty || (wanted.crv && members.crv !== wanted.crv)) {
    return 'jwk does not suit alg';
  }
  const thumbprintMembers = THUMBPRINT_MEMBERS[wanted.kty];
  if (thumbprintMembers.some((member) => typeof members[member] !== 'string')) {
    return 'jwk is not a public key';
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
  } catch {
    return 'jwk is not a public key';
  }
  const canonical = JSON.stringify(
    Object.fromEntries(thumbprintMembers.map((member) => [member, members[member]])),
  );
  const jkt = createHash('sha256').update(canonical).digest('base64url');
  const entry = { alg, key, jkt };
  if (proofKeys.size >= PROOF_KEYS_CAPACITY) {
    proofKeys.delete(proofKeys.keys().next().value!);
  }
  proofKeys.set(encoded, entry);
  return entry;
}

function verifySignature(key: ProofKey, input: Buffer, signature: Buffer): boolean {
  const { digest, options } = ALGORITHMS[key.alg];
  try {
    return verify(digest, input, { key: key.key, ...options }, signature);
  } catch {
    return false;
  }
}

/** A base64url JSON object, or undefined when it is not one. */
function jsonObject(encoded: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * DPoP proofs at the token endpoint and `/userinfo`: the one proof check (checkDpopProof) for a
 * URI built from the configured issuer, never from the Host header, and a `jti` not seen before
 * for this key in any process (a table).
 */
@Injectable()
export class DpopProofVerifier {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    housekeeping: Housekeeping,
  ) {
    housekeeping.register(
      'dpop_proof_jtis',
      `DELETE FROM "dpop_proof_jtis" WHERE "expires_at" < now()`,
    );
  }

  /** The URI a proof for `path` (no query or fragment) must name in `htu`. */
  htuOf(path: string): string {
    return `${this.config.issuer.replace(/\/$/, '')}${path}`;
  }

  async verify(
    proof: string,
    expected: {
      method: string;
      path: string;
      accessToken?: string;
      /** RFC 9449 §8, §9: checks the proof's nonce (throws to refuse), before its jti is spent. */
      nonce?: (nonce: string | undefined) => void;
    },
  ): Promise<DpopProof> {
    const { jkt, jti, iat, nonce } = checkDpopProof(
      proof,
      {
        method: expected.method,
        htu: this.htuOf(expected.path),
        accessToken: expected.accessToken,
      },
      Math.floor(this.clock.now() / 1000),
    );
    expected.nonce?.(nonce);
    if (!(await this.firstUse(jkt, jti, iat))) {
      throw new InvalidDpopProofError('the DPoP proof is invalid', 'jti replayed');
    }
    return nonce === undefined ? { jkt } : { jkt, nonce };
  }

  /** RFC 9449 §11.1: the primary key (jkt, jti) lets the first use win in every process. */
  private async firstUse(jkt: string, jti: string, iat: number): Promise<boolean> {
    const inserted = await this.dataSource.query<unknown[]>(
      `INSERT INTO "dpop_proof_jtis" ("jkt", "jti", "expires_at")
       VALUES ($1, $2, to_timestamp($3)) ON CONFLICT DO NOTHING RETURNING 1`,
      [jkt, jti, iat + DPOP_IAT_WINDOW_S + 1],
    );
    return inserted.length === 1;
  }
}

const URI_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/s;
const DEFAULT_PORTS: Record<string, string> = { http: ':80', https: ':443' };

/**
 * An `htu` as compared (RFC 9449 §4.3 (9)): without its query and fragment, the scheme and host
 * in lower case and a default port dropped (RFC 3986 §6.2.2.1, §6.2.3), an empty path as `/`.
 * The path is compared as written. Undefined for what is not an absolute http(s) URI.
 */
export function normalizedHtu(uri: string): string | undefined {
  const parts = URI_PARTS.exec(uri);
  if (!parts) return undefined;
  const scheme = parts[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  let authority = parts[2].toLowerCase();
  if (authority.endsWith(DEFAULT_PORTS[scheme])) {
    authority = authority.slice(0, -DEFAULT_PORTS[scheme].length);
  }
  if (authority === '' || authority.includes('@')) return undefined;
  return `${scheme}://${authority}${parts[3] || '/'}`;
}

/** RFC 9449 §7.1: the challenge of a resource that takes DPoP-bound tokens. */
export function dpopChallenge(error?: string, description?: string): Record<string, string> {
  let challenge = `DPoP algs="${DPOP_ALGORITHMS.join(' ')}"`;
  if (error) challenge += `, error="${error}"`;
  if (description) challenge += `, error_description="${description}"`;
  return { 'www-authenticate': challenge };
}

/**
 * RFC 9449 §7.1 `Authorization: DPoP <token>`: the access token, or undefined when the header
 * is not of that scheme (the scheme name is case-insensitive, RFC 7235 §2.1).
 */
export function dpopToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /^dpop +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header)?.[1];
}

/** The `cnf.jkt` of an access token already verified, or undefined when it is not DPoP-bound. */
export function boundJkt(payload: Record<string, unknown>): string | undefined {
  const cnf = payload.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === 'string' ? jkt : undefined;
}
