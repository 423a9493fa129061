import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
  ProtectedHeaderParameters,
} from 'jose';
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
 * (`windowS` seconds either way) around `nowS`, with a `jti`, and, with an access token, its `ath`. It does not know whether the
 * `jti` was seen before: the caller remembers it (the token endpoint in a table across processes,
 * the access decisions in memory, docs/decisions/0302-dpop-replay-in-memory-for-decisions.md).
 * Every refusal is `InvalidDpopProofError` with the reason in the log detail only.
 */
export async function checkDpopProof(
  proof: string,
  expected: DpopExpectation,
  nowS: number,
  windowS = DPOP_IAT_WINDOW_S,
): Promise<CheckedDpopProof> {
  const refuse = (detail: string) => new InvalidDpopProofError('the DPoP proof is invalid', detail);
  if (proof.length > MAX_PROOF_CHARS) throw refuse('proof too long');
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw refuse('not a JWS');
  }
  if (header.typ !== 'dpop+jwt') throw refuse('typ is not dpop+jwt');
  if (typeof header.alg !== 'string' || !DPOP_ALGORITHMS.includes(header.alg)) {
    throw refuse('alg not allowed');
  }
  const jwk = header.jwk;
  if (!jwk || typeof jwk !== 'object') throw refuse('no jwk');
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw refuse('jwk carries a private key');
  if (jwk.kty === 'RSA' && (typeof jwk.n !== 'string' || jwk.n.length > MAX_RSA_MODULUS_CHARS)) {
    throw refuse('RSA key larger than 4096 bits');
  }
  let payload: Record<string, unknown>;
  try {
    payload = (
      await jwtVerify(proof, EmbeddedJWK, { algorithms: DPOP_ALGORITHMS, typ: 'dpop+jwt' })
    ).payload;
  } catch {
    throw refuse('signature or claims do not verify');
  }
  const { htm, htu, iat, jti, ath } = payload;
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
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return { jkt, jti, iat };
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
    expected: { method: string; path: string; accessToken?: string },
  ): Promise<DpopProof> {
    const { jkt, jti, iat } = await checkDpopProof(
      proof,
      {
        method: expected.method,
        htu: this.htuOf(expected.path),
        accessToken: expected.accessToken,
      },
      Math.floor(this.clock.now() / 1000),
    );
    if (!(await this.firstUse(jkt, jti, iat))) {
      throw new InvalidDpopProofError('the DPoP proof is invalid', 'jti replayed');
    }
    return { jkt };
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
