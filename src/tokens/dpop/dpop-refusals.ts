import { Injectable } from '@nestjs/common';
import { GatehouseError } from '../../common/errors';
import { AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';

/**
 * The audit line of a refused DPoP request (RFC 9449 §11: a refused proof may be an attack):
 * `dpop.refused`, outcome failure, with the endpoint, the error code and the reason the check
 * gave. Never the proof, the token or any key material: the reasons are fixed phrases.
 */
@Injectable()
export class DpopRefusals {
  constructor(private readonly audit: AuditLog) {}

  record(context: AuditContext, endpoint: string, error: GatehouseError): void {
    this.audit.recordQuietly({
      type: 'dpop.refused',
      outcome: 'failure',
      actor: context.actor,
      ip: context.ip,
      userAgent: context.userAgent,
      details: { endpoint, error: error.error, reason: error.detail ?? error.description },
    });
  }
}
