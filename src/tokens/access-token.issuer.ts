import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '../clients/client';
import { TemporarilyUnavailableError } from '../common/oauth-error';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { RandomService } from '../crypto/random.service';
import { CutsOffTokens, firstLiveSecond } from './token-cutoff';
import { Clock } from '../common/clock';
import { X5T_S256 } from './certificate-binding';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenRequest {
  client: Client;
  /** RFC 9068 §2.2: the resource owner, or the client_id for client_credentials. */
  subject: string;
  scopes: string[];
  audience: string[];
  /** The user the token is for, whose cut-off it must outlive as it must the client's. */
  user?: CutsOffTokens;
  /** RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to (`cnf.jkt`). */
  jkt?: string;
  /** RFC 8705 §3.1: the thumbprint of the client certificate it is bound to (`cnf.x5t#S256`). */
  x5t?: string;
}

/**
 * Longest wait for a cut-off's second to pass. A cut-off is at most this far ahead of now only
 * when another process's clock runs ahead of ours; past it, refuse rather than mint a dead token.
 */
const MAX_CUTOFF_WAIT_MS = 2000;

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
}

/** RFC 9068 JWT access tokens, signed with the key store's current access-token key. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly jwt: JwtService,
    private readonly random: RandomService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async issue({
    client,
    subject,
    scopes,
    audience,
    user,
    jkt,
    x5t,
  }: AccessTokenRequest): Promise<IssuedAccessToken> {
    const expiresIn = client.accessTokenLifetime ?? this.config.tokens.accessTokenLifetime;
    const now = await this.liveSecond(client, user);
    const jti = this.random.jwtId();
    const token = await this.jwt.sign(
      {
        iss: this.config.issuer,
        sub: subject,
        aud: audience.length === 1 ? audience[0] : audience,
        client_id: client.clientId,
        scope: scopes.join(' '),
        iat: now,
        exp: now + expiresIn,
        jti,
        ...(jkt || x5t
          ? { cnf: { ...(jkt ? { jkt } : {}), ...(x5t ? { [X5T_S256]: x5t } : {}) } }
          : {}),
      },
      ACCESS_TOKEN_TYPE,
      this.config.keys.accessTokenAlgorithm,
    );
    return { token, jti, expiresIn };
  }

  /**
   * The `iat` to sign with: now, or, within a second of a disable or password change of the
   * client or user, the next whole second, waited for. `iat` has one-second resolution and
   * every token from the cut-off's second is dead (token-cutoff.ts), so a token asked for just
   * after an enable waits for at most a second rather than being issued dead.
   */
  private async liveSecond(...subjects: Array<CutsOffTokens | undefined>): Promise<number> {
    const wait = firstLiveSecond(...subjects) * 1000 - this.clock.now();
    if (wait > MAX_CUTOFF_WAIT_MS) {
      throw new TemporarilyUnavailableError(
        'a recent change to the client or user takes effect in a moment; try again',
      );
    }
    if (wait > 0) await sleep(wait);
    return Math.floor(this.clock.now() / 1000);
  }
}
