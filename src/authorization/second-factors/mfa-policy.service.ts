import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';

/**
 * Who must pass a second factor by policy (docs/decisions/0316-mfa-policy-settings.md):
 * everyone (`MFA_REQUIRED=all`), holders of the roles in `MFA_REQUIRED_ROLES`, and anyone
 * signing in to a client in `MFA_REQUIRED_CLIENTS`. A client may also ask for it itself with
 * `acr_values` (step-up).
 */
@Injectable()
export class MfaPolicy {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async requires(userId: string, clientId?: string): Promise<boolean> {
    const { required, requiredRoles, requiredClients } = this.config.mfa;
    if (required === 'all') return true;
    if (clientId !== undefined && requiredClients.includes(clientId)) return true;
    if (requiredRoles.length === 0) return false;
    // The roles table belongs to the access module, a floor above: it is named, not imported.
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM "user_roles" WHERE "user_id" = $1 AND "role_name" = ANY($2) LIMIT 1',
      [userId, requiredRoles],
    );
    return rows.length > 0;
  }
}
