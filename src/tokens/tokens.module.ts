import { Global, Module } from '@nestjs/common';
import { BearerAuthenticator } from '../common/auth/bearer-authenticator';
import { ClientsModule } from '../clients/clients.module';
import { AccessTokenIssuer } from './access-token.issuer';
import { AccessTokenVerifier } from './access-token.verifier';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { GRANT_HANDLERS, GrantHandler } from './grants/grant-handler';
import { TokenRequestGuard } from './token-request.guard';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

@Global()
@Module({
  imports: [ClientsModule],
  controllers: [TokenController],
  providers: [
    AccessTokenIssuer,
    AccessTokenVerifier,
    { provide: BearerAuthenticator, useExisting: AccessTokenVerifier },
    ClientCredentialsGrant,
    {
      provide: GRANT_HANDLERS,
      inject: [ClientCredentialsGrant],
      useFactory: (...handlers: GrantHandler[]) => handlers,
    },
    TokenService,
    TokenRequestGuard,
  ],
  exports: [BearerAuthenticator, TokenService],
})
export class TokensModule {}
