import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  JSONWebKeySet,
  JWTPayload,
  jwtVerify,
  JWTVerifyOptions,
} from 'jose';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { ClientAssertionAudience } from '../../config/environment';
import { Housekeeping } from '../../database/housekeeping.service';
import { RegisteredClient } from '../client';
import { JwksDownloadError } from './jwks-download';
import { JwksFetcher } from './jwks-fetcher.service';
import { Clock } from '../../common/clock';

/** Asymmetric JWS algorithms only (RFC 7518 §3.1, RFC 8037): never `none`, never HS*. */
export const CLIENT_ASSERTION_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
/** An assertion may be valid for at most five minutes from now. */
export const MAX_ASSERTION_LIFETIME_S = 300;
/** Clock difference allowed between the client and this server. */
export const ASSERTION_CLOCK_SKEW_S = 15;
/** The jti column's length. */
const MAX_JTI_LENGTH = 256;
/** Endpoints besides /token where a client authenticates, and may address its assertion to. */
const OTHER_AUTHENTICATING_ENDPOINTS = ['/introspect', '/revoke'];

/**
 * CLIENT_ASSERTION_AUDIENCE=legacy only (RFC 7523 §3 (3), OIDC Core §9 as first published): the
 * audiences an assertion presented at `path` may name, alone or in an array: the issuer, the token
 * endpoint, or the endpoint it is presented at.
 */
export function legacyAssertionAudiences(issuer: string, path: string): string[] {
  const audiences = [issuer, `${issuer}/token`];
  if (OTHER_AUTHENTICATING_ENDPOINTS.includes(path)) audiences.push(`${issuer}${path}`);
  return audiences;
}

/**
 * Why `aud` does not address this server, or undefined when it does. By default the OpenID
 * Foundation's 2025 private_key_jwt audience advisory (adopted by RFC 7523bis and the OIDC Core
 * errata): `aud` is the issuer identifier, a single string. An assertion a client made for
 * another server's token endpoint, or for several audiences, could be replayed here by that
 * server; only the issuer names this server alone. `legacy` also takes the older forms, for
 * clients not yet updated.
 */
export function assertionAudienceProblem(
  aud: unknown,
  issuer: string,
  path: string,
  mode: ClientAssertionAudience,
): string | undefined {
  if (mode === 'issuer') {
    return aud === issuer ? undefined : 'aud must be the issuer identifier, as a single string';
  }
  const accepted = legacyAssertionAudiences(issuer, path);
  const named = Array.isArray(aud) ? aud : [aud];
  return named.some((value) => typeof value === 'string' && accepted.includes(value))
    ? undefined
    : 'aud must name the issuer, the token endpoint or this endpoint';
}

/**
 * Verifies a `private_key_jwt` client assertion (RFC 7523 §2.2 and §3, OIDC Core §9) against the
 * client's own keys: its `jwks`, or the set at its `jwks_uri`. Remembers each `jti` until the
 * assertion expires, so that a replay is refused in every process.
 */
@Injectable()
export class ClientAssertionVerifier {
  constructor(
    private readonly config: AppConfig,
    private readonly fetcher: JwksFetcher,
    @InjectDataSource() private readonly dataSource: DataSource,
    housekeeping: Housekeeping,
    private readonly clock: Clock,
  ) {
    housekeeping.register(
      'client_assertion_jtis',
      `DELETE FROM "client_assertion_jtis" WHERE "expires_at" < now()`,
    );
  }

  /**
   * Why `assertion` does not authenticate `client` at the endpoint `path`, or undefined when it
   * does. Only storage failures throw.
   */
  async problem(
    client: RegisteredClient,
    assertion: string,
    path: string,
  ): Promise<string | undefined> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(assertion).alg;
    } catch {
      return 'malformed client_assertion';
    }
    if (typeof alg !== 'string' || !CLIENT_ASSERTION_ALGORITHMS.includes(alg)) {
      return `algorithm ${String(alg)} is not allowed`;
    }
    const now = this.clock.now();
    let payload: JWTPayload;
    try {
      payload = await this.verified(client, assertion, {
        algorithms: CLIENT_ASSERTION_ALGORITHMS,
        // RFC 7523 §3 (1), (2): iss and sub are both the client_id.
        issuer: client.clientId,
        subject: client.clientId,
        // RFC 7523 §3 (4) exp; OIDC Core §9 makes jti REQUIRED.
        requiredClaims: ['aud', 'exp', 'jti'],
        clockTolerance: ASSERTION_CLOCK_SKEW_S,
        currentDate: new Date(now),
      });
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof JwksDownloadError) {
        return error.message;
      }
      throw error;
    }
    const audience = assertionAudienceProblem(
      payload.aud,
      this.config.issuer,
      path,
      this.config.clientAssertionAudience,
    );
    if (audience) return audience;
    const exp = payload.exp!;
    if (exp > Math.floor(now / 1000) + MAX_ASSERTION_LIFETIME_S + ASSERTION_CLOCK_SKEW_S) {
      return `exp is more than ${MAX_ASSERTION_LIFETIME_S} seconds ahead`;
    }
    const { jti } = payload;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
      return `jti must be a string of 1 to ${MAX_JTI_LENGTH} characters`;
    }
    if (!(await this.firstUse(client.clientId, jti, exp))) return 'jti was already used';
    return undefined;
  }

  private async verified(
    client: RegisteredClient,
    assertion: string,
    options: JWTVerifyOptions,
  ): Promise<JWTPayload> {
    const verify = async (keys: JSONWebKeySet) =>
      (await jwtVerify(assertion, createLocalJWKSet(keys), options)).payload;
    if (client.jwks) return verify(client.jwks);
    if (!client.jwksUri) throw new errors.JOSEError('the client has neither jwks nor jwks_uri');
    try {
      return await verify(await this.fetcher.keySet(client.jwksUri));
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const refetched = await this.fetcher.refetched(client.jwksUri);
      if (!refetched) throw error;
      return verify(refetched);
    }
  }

  /**
   * RFC 7523 §3 (7): the primary key (client_id, jti) makes the first use win, atomically across
   * processes; the row lives as long as the assertion could still be accepted.
   */
  private async firstUse(clientId: string, jti: string, exp: number): Promise<boolean> {
    const inserted = await this.dataSource.query<unknown[]>(
      `INSERT INTO "client_assertion_jtis" ("client_id", "jti", "expires_at")
       VALUES ($1, $2, to_timestamp($3)) ON CONFLICT DO NOTHING RETURNING 1`,
      [clientId, jti, exp + ASSERTION_CLOCK_SKEW_S],
    );
    return inserted.length === 1;
  }
}
