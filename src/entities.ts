import { AccountLinkEntity } from './account/account-link.entity';
import { AccessRuleEntity } from './access/rules/access-rule.entity';
import { ClientRoleEntity, RoleEntity, UserRoleEntity } from './access/roles/role.entities';
import {
  AuthorizationCodeEntity,
  BrowserSessionEntity,
  ConsentEntity,
  InteractionEntity,
  PushedAuthorizationRequestEntity,
} from './authorization/authorization.entities';
import {
  PendingSignInEntity,
  RecoveryCodeEntity,
  TotpAuthenticatorEntity,
} from './authorization/second-factors/second-factor.entities';
import { ClientAssertionJtiEntity } from './clients/client-auth/client-assertion-jti.entity';
import { ClientEntity } from './clients/client.entity';
import { SigningKeyEntity } from './crypto/signing-key.entity';
import { AuditEventEntity } from './events/audit-event.entity';
import { DpopProofJtiEntity } from './tokens/dpop/dpop-jti.entity';
import { RefreshTokenEntity, RevokedAccessTokenEntity } from './tokens/token.entities';
import { UserEntity } from './users/user.entity';
import {
  IdentityProviderEntity,
  UpstreamLinkEntity,
} from './identity-providers/identity-provider.entities';
import {
  UpstreamAuthorizationEntity,
  UpstreamLinkOfferEntity,
} from './authorization/upstream/upstream.entities';
import { PasskeyChallengeEntity, PasskeyEntity } from './passkeys/passkey.entities';
import { ConsoleSetupTokenEntity } from './console/setup-token.entity';

/**
 * Every entity the data source knows, listed here in the composition root so the database
 * module knows no feature's tables; migrations create them.
 */
export const ENTITIES = [
  ClientEntity,
  SigningKeyEntity,
  UserEntity,
  InteractionEntity,
  BrowserSessionEntity,
  ConsentEntity,
  AuthorizationCodeEntity,
  PushedAuthorizationRequestEntity,
  RefreshTokenEntity,
  RevokedAccessTokenEntity,
  ClientAssertionJtiEntity,
  DpopProofJtiEntity,
  AuditEventEntity,
  RoleEntity,
  UserRoleEntity,
  ClientRoleEntity,
  TotpAuthenticatorEntity,
  RecoveryCodeEntity,
  PendingSignInEntity,
  AccessRuleEntity,
  IdentityProviderEntity,
  UpstreamLinkEntity,
  UpstreamAuthorizationEntity,
  UpstreamLinkOfferEntity,
  AccountLinkEntity,
  PasskeyEntity,
  PasskeyChallengeEntity,
  ConsoleSetupTokenEntity,
];
