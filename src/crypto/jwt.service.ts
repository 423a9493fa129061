import { Injectable } from '@nestjs/common';
import { JWTPayload, jwtVerify } from 'jose';
import { AppConfig } from '../config/app-config';
import { SigningAlgorithm, SigningKeys } from './signing-keys.service';

export interface VerifyOptions {
  typ: string;
  /** When set, `aud` must contain it. */
  audience?: string;
  algorithms: SigningAlgorithm[];
  /** For hints such as OIDC logout's id_token_hint, which may have expired. */
  allowExpired?: boolean;
}

/** Signs and verifies Gatehouse's own JWTs with the key store's current keys. */
@Injectable()
export class JwtService {
  constructor(
    private readonly keys: SigningKeys,
    private readonly config: AppConfig,
  ) {}

  /** Changes whenever a signing key stops being trusted (see SigningKeys.trustEpoch). */
  get trustEpoch(): number {
    return this.keys.trustEpoch;
  }

  async sign(payload: JWTPayload, typ: string, alg: SigningAlgorithm): Promise<string> {
    return this.keys.current(alg).sign(payload, typ);
  }

  /** Throws (jose errors) unless signature, `typ`, `iss`, `exp` and audience all hold. */
  async verify(token: string, options: VerifyOptions): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.keys.keySet, {
      issuer: this.config.issuer,
      typ: options.typ,
      audience: options.audience,
      algorithms: options.algorithms,
      requiredClaims: ['exp', 'iat'],
      ...(options.allowExpired ? { clockTolerance: Number.MAX_SAFE_INTEGER } : {}),
    });
    return payload;
  }
}
