import { Injectable } from '@nestjs/common';
import { GatehouseError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { WebAuthnSettings } from '../config/webauthn-settings';

/** The WebAuthn relying party Gatehouse is, or a 404 when passkeys are off (docs/passkeys.md). */
@Injectable()
export class RelyingParty {
  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.webauthn !== undefined;
  }

  settings(): WebAuthnSettings {
    const settings = this.config.webauthn;
    if (!settings) throw new GatehouseError('not_found', 404, 'passkeys are not enabled');
    return settings;
  }
}
