import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError } from '../common/api-error';
import { ADMIN_SCOPE, CHECK_SCOPE } from '../common/auth/permissions';
import { AppConfig } from '../config/app-config';
import { ChangeBus } from '../events/change-bus.service';
import { ClientEntity } from './client.entity';

/** The admin console's own client (docs/console.md): managed by Gatehouse, never by the admin API. */
export const CONSOLE_CLIENT_ID = 'gatehouse-console';

/** What the console asks for at /authorize; `iam:*` only reaches a person who holds it. */
export const CONSOLE_SCOPE = ['openid', 'profile', 'offline_access', ADMIN_SCOPE, CHECK_SCOPE];

/** Short-lived access tokens: the console refreshes them (rotating the refresh token). */
export const CONSOLE_ACCESS_TOKEN_LIFETIME = 300;

/** An admin's working day: after 8 hours the person signs in again. */
export const CONSOLE_REFRESH_TOKEN_LIFETIME = 8 * 3600;

/** Whether `clientId` names the console's client. */
export function isConsoleClient(clientId: string): boolean {
  return clientId === CONSOLE_CLIENT_ID;
}

/** 409 for the admin API's changes to the console client (list and read still work). */
export function refuseConsoleChange(clientId: string): void {
  if (isConsoleClient(clientId)) {
    throw new ConflictError(
      `the client ${CONSOLE_CLIENT_ID} is managed by Gatehouse (CONSOLE_ENABLED); it cannot be changed, rotated or deleted through the admin API`,
    );
  }
}

/** The console client as every start leaves it, for an issuer. */
export function consoleClient(issuer: string, enabled: boolean) {
  return {
    clientName: 'Gatehouse console',
    clientType: 'public' as const,
    tokenEndpointAuthMethod: 'none' as const,
    grantTypes: ['authorization_code' as const, 'refresh_token' as const],
    responseTypes: ['code'],
    redirectUris: [`${issuer}/console/callback`],
    postLogoutRedirectUris: [`${issuer}/console/signed-out`],
    scopes: CONSOLE_SCOPE,
    audience: [],
    accessTokenLifetime: CONSOLE_ACCESS_TOKEN_LIFETIME,
    refreshTokenLifetime: CONSOLE_REFRESH_TOKEN_LIFETIME,
    allowedCorsOrigins: [],
    alwaysIssueRefreshToken: false,
    requirePushedAuthorizationRequests: false,
    dpopBoundAccessTokens: false,
    tlsClientCertificateBoundAccessTokens: false,
    jwksUri: null,
    jwks: null,
    tokenEndpointAuthSigningAlg: null,
    tlsClientAuthSubjectDn: null,
    tlsClientAuthSanDns: null,
    tlsClientAuthSanUri: null,
    tlsClientAuthSanIp: null,
    tlsClientAuthSanEmail: null,
    idTokenSignedResponseAlg: 'RS256' as const,
    attributes: {},
    secretHash: null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    secretEncrypted: null,
    previousSecretEncrypted: null,
    registeredBy: 'admin' as const,
    registrationTokenHash: null,
    status: enabled ? ('active' as const) : ('disabled' as const),
  };
}

/** Serializes the console client's ensure across processes starting together (as the admin bootstrap). */
const CONSOLE_CLIENT_LOCK = 7_364_829_103;

/**
 * Ensures at every start the console client exactly as `consoleClient` describes it, whatever
 * was stored before (docs/console.md). CONSOLE_ENABLED=false leaves it disabled.
 */
@Injectable()
export class ConsoleClientBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(ConsoleClientBootstrap.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly bus: ChangeBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const wanted = consoleClient(this.config.issuer, this.config.consoleEnabled);
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [CONSOLE_CLIENT_LOCK]);
      const existing = await manager.findOne(ClientEntity, {
        where: { clientId: CONSOLE_CLIENT_ID },
      });
      if (existing) {
        // Disabling ends every token issued so far (as the admin API's disable does).
        const disabling = existing.status === 'active' && wanted.status === 'disabled';
        await manager.update(
          ClientEntity,
          { id: existing.id },
          { ...wanted, ...(disabling ? { tokensValidAfter: new Date() } : {}) },
        );
      } else {
        await manager.insert(ClientEntity, { ...wanted, clientId: CONSOLE_CLIENT_ID });
        this.logger.log(`created the console client ${CONSOLE_CLIENT_ID}`);
      }
    });
    this.bus.publish({ type: 'client.changed', clientId: CONSOLE_CLIENT_ID });
  }
}
