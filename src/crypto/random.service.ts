import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';

/** All randomness Gatehouse hands out, behind one injectable so tests can pin it. */
@Injectable()
export class RandomService {
  /** base64url of `bytes` random bytes. */
  token(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }

  /** 128 bits: unguessable client identifiers. */
  clientId(): string {
    return this.token(16);
  }

  /** 256 bits: client secrets and registration access tokens. */
  secret(): string {
    return this.token(32);
  }

  /** RFC 7519 §4.1.7 `jti`: unique, not secret; a v4 UUID comes from a pre-filled entropy cache. */
  jwtId(): string {
    return randomUUID();
  }

  uuid(): string {
    return randomUUID();
  }
}
