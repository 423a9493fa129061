import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Ids } from '../common/ids';

/** All randomness Gatehouse hands out, behind one injectable so tests can pin it. */
@Injectable()
export class RandomService {
  constructor(private readonly ids: Ids) {}

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

  /** RFC 7519 §4.1.7 `jti`: unique, not secret: a v4 UUID from the id source. */
  jwtId(): string {
    return this.ids.uuid();
  }

  uuid(): string {
    return this.ids.uuid();
  }
}
