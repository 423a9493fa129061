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
import { createSecretKey, KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { ClientAssertionAudience } from '../../config/environment';
import { Housekeeping } from '../../database/housekeeping.service';
import { KeyEncryption } from '../../crypto/key-encryption.service';
import { RegisteredClient } from '../client';
import { assertionAlgorithms } from '../client-metadata.policy';
import { ASSERTION_SIGNING_ALGORITHMS, PRIVATE_KEY_JWT_ALGORITHMS } from '../client.types';
import { JwksDownloadError } from './jwks-download';
import { JwksFetcher } from './jwks-fetcher.service';
import { Clock } from '../../common/clock';

/** private_key_jwt: asymmetric JWS algorithms only (RFC 7518 §3.1, RFC 8037): never `none`, never HS*. */
export const CLIENT_ASSERTION_ALGORITHMS = PRIVATE_KEY_JWT_ALGORITHMS;
/** Every algorithm a client assertion may use, by either method (discovery lists them). */
export { ASSERTION_SIGNING_ALGORITHMS };
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
 * Verifies a client assertion (RFC 7523 §2.2 and §3, OIDC Core §9), by the same rules for both
 * methods: `private_key_jwt` against the client's own keys (its `jwks`, or the set at its
 * `jwks_uri`), `client_secret_jwt` by HMAC keyed with the client's secret (and the previous one
 * during a rotation's grace), kept encrypted under the key-encryption key. Remembers each `jti`
 * until the assertion expires, so that a replay is refused in every process.
 */
@Injectable()
export class ClientAssertionVerifier {
  constructor(
    private readonly config: AppConfig,
    private readonly fetcher: JwksFetcher,
    @InjectDataSource() private readonly dataSource: DataSource,
    housekeeping: Housekeeping,
    private readonly clock: Clock,
    private readonly encryption: KeyEncryption,
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
    // The client's registered algorithm, else any of its method's: never `none`, and never an
    // HMAC keyed with public material nor a public-key algorithm for a shared secret.
    const algorithms = client.tokenEndpointAuthSigningAlg
      ? [client.tokenEndpointAuthSigningAlg]
      : assertionAlgorithms(client.tokenEndpointAuthMethod);
    if (typeof alg !== 'string' || !algorithms.includes(alg)) {
      return `algorithm ${String(alg)} is not allowed`;
    }
    const now = this.clock.now();
    let payload: JWTPayload;
    try {
      payload = await this.verified(client, assertion, {
        algorithms,
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
    if (client.tokenEndpointAuthMethod === 'client_secret_jwt') {
      return this.verifiedWithSecret(client, assertion, options);
    }
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
   * client_secret_jwt: HMAC with the current secret, else with the previous one while its grace
   * lasts. jose compares the MACs in constant time; a wrong secret and a wrong MAC look alike.
   */
  private async verifiedWithSecret(
    client: RegisteredClient,
    assertion: string,
    options: JWTVerifyOptions,
  ): Promise<JWTPayload> {
    const secrets = [client.secretEncrypted];
    const until = client.previousSecretExpiresAt;
    if (until && until.getTime() > this.clock.now()) secrets.push(client.previousSecretEncrypted);
    const keys = secrets.filter((sealed): sealed is string => sealed !== null);
    if (keys.length === 0) throw new errors.JOSEError('the client has no client_secret_jwt secret');
    let failure: unknown;
    for (const sealed of keys) {
      try {
        return (await jwtVerify(assertion, this.secretKey(sealed), options)).payload;
      } catch (error) {
        failure = error;
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) break;
      }
    }
    throw failure;
  }

  /** The HMAC key: the secret's UTF-8 octets (RFC 7523 §2.2, OIDC Core §9). */
  private secretKey(sealed: string): KeyObject {
    try {
      return createSecretKey(this.encryption.decrypt(sealed));
    } catch {
      // The key-encryption key changed or the row was damaged: a refusal, never a 500.
      throw new errors.JOSEError('the stored client secret cannot be decrypted');
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
