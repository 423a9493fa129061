import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { FastifyRequest } from 'fastify';
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
 * (RFC 9449 §4.3 (1): exactly one).
 */
export function dpopHeader(request: FastifyRequest): string | undefined {
  const raw = request.headers.dpop;
  if (raw === undefined) return undefined;
  if (Array.isArray(raw) || raw.includes(',')) {
    throw new InvalidDpopProofError('exactly one DPoP header is allowed');
  }
  return raw;
}

/**
 * The one DPoP proof check (RFC 9449 §4.3): a `dpop+jwt` signed with an allowed asymmetric
 * algorithm by the public `jwk` in its header, for this method and this URI (built from the
 * configured issuer, never from the Host header), issued within the window, with a `jti` not
 * seen before for this key (a table, so across processes), and, with an access token, its `ath`.
 * Every refusal is `InvalidDpopProofError` with the reason in the log detail only.
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
    const refuse = (detail: string) =>
      new InvalidDpopProofError('the DPoP proof is invalid', detail);
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
    const { htm, htu, iat, jti, ath, nonce } = payload;
    if (htm !== expected.method) throw refuse('htm does not match');
    if (typeof htu !== 'string' || stripped(htu) !== this.htuOf(expected.path)) {
      throw refuse('htu does not match');
    }
    const now = Math.floor(this.clock.now() / 1000);
    if (typeof iat !== 'number' || Math.abs(now - iat) > DPOP_IAT_WINDOW_S) {
      throw refuse('iat outside the window');
    }
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
      throw refuse('jti missing or too long');
    }
    if (expected.accessToken !== undefined && ath !== accessTokenHash(expected.accessToken)) {
      throw refuse('ath does not match the access token');
    }
    if (nonce !== undefined && typeof nonce !== 'string') throw refuse('nonce is not a string');
    expected.nonce?.(nonce);
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    if (!(await this.firstUse(jkt, jti, iat))) throw refuse('jti replayed');
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

/** RFC 9449 §4.3 (9): `htu` compared without its query and fragment. */
function stripped(uri: string): string {
  return uri.replace(/[?#].*$/s, '');
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
