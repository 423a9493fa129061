import { IdentityProviderEntity, IdentityProviderStatus } from './identity-provider.entities';
import { IdentityProviderView } from './identity-provider.dto';

/** A provider as other modules see it: a snapshot, never the sealed secret. */
export interface IdentityProvider {
  readonly id: string;
  readonly alias: string;
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly status: IdentityProviderStatus;
  /** Changes whenever any setting does: what a cached upstream configuration is keyed on. */
  readonly updatedAt: Date;
}

export function providerSnapshot(entity: IdentityProviderEntity): IdentityProvider {
  return {
    id: entity.id,
    alias: entity.alias,
    name: entity.name,
    issuer: entity.issuer,
    clientId: entity.clientId,
    scope: entity.scope,
    status: entity.status,
    updatedAt: entity.updatedAt,
  };
}

/** The redirect URI of a provider: where the upstream sends the person back (our callback). */
export function upstreamRedirectUri(ownIssuer: string, alias: string): string {
  return `${ownIssuer.replace(/\/$/, '')}/login/upstream/${alias}/callback`;
}

export function toProviderView(
  entity: IdentityProviderEntity,
  ownIssuer: string,
): IdentityProviderView {
  return {
    alias: entity.alias,
    name: entity.name,
    issuer: entity.issuer,
    client_id: entity.clientId,
    scope: entity.scope,
    status: entity.status,
    redirect_uri: upstreamRedirectUri(ownIssuer, entity.alias),
    created_at: entity.createdAt.toISOString(),
    updated_at: entity.updatedAt.toISOString(),
  };
}
