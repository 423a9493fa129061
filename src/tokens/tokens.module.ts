import { Module } from '@nestjs/common';
import { AuthorizationModule } from '../authorization/authorization.module';
import { ClientsModule } from '../clients/clients.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { AccessTokenIssuer } from './access-token.issuer';
import { AccessTokenVerifier } from './access-token.verifier';
import { CorsPolicy } from './cors.policy';
import { DpopNonces } from './dpop/dpop-nonce';
import { DpopProofVerifier } from './dpop/dpop-proof';
import { DpopRefusals } from './dpop/dpop-refusals';
import { DpopRequestKeys } from './dpop/dpop-request-key';
import { AuthorizationCodeGrant } from './grants/authorization-code.grant';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { GRANT_HANDLERS, GrantHandler } from './grants/grant-handler';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { UserTokenIssuer } from './grants/user-token.issuer';
import { IdTokenIssuer } from './id-token.issuer';
import { IntrospectionController } from './introspection.controller';
import { IntrospectionService } from './introspection.service';
import { RefreshTokensService } from './refresh-tokens.service';
import { RevocationList } from './revocation-list.service';
import { RevocationController } from './revocation.controller';
import { RevocationService } from './revocation.service';
import { TokenRequestGuard } from './token-request.guard';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';
import { UserinfoController } from './userinfo.controller';

@Module({
  imports: [
    EventsModule,
    CryptoModule,
    RateLimitModule,
    ClientsModule,
    UsersModule,
    AuthorizationModule,
  ],
  controllers: [TokenController, UserinfoController, IntrospectionController, RevocationController],
  providers: [
    AccessTokenIssuer,
    AccessTokenVerifier,
    IdTokenIssuer,
    RefreshTokensService,
    RevocationList,
    UserTokenIssuer,
    CorsPolicy,
    DpopProofVerifier,
    DpopNonces,
    DpopRefusals,
    DpopRequestKeys,
    ClientCredentialsGrant,
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    {
      provide: GRANT_HANDLERS,
      inject: [AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant],
      useFactory: (...handlers: GrantHandler[]) => handlers,
    },
    TokenService,
    TokenRequestGuard,
    IntrospectionService,
    RevocationService,
  ],
  exports: [
    AccessTokenVerifier,
    TokenService,
    RevocationList,
    DpopRequestKeys,
    RevocationService,
    RefreshTokensService,
  ],
})
export class TokensModule {}
