import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AccessModule } from './access/access.module';
import { AccountModule } from './account/account.module';
import { AuthorizationModule } from './authorization/authorization.module';
import { ClientsModule } from './clients/clients.module';
import { ConsoleModule } from './console/console.module';
import { AllExceptionsFilter, ERROR_PAGE } from './common/all-exceptions.filter';
import { CommonModule, CommonOptions } from './common/common.module';
import { Logs } from './common/logging/logs';
import { HotRoutes } from './common/http/hot-routes';
import { HotRoutesModule } from './common/http/hot-routes.module';
import { AppPassportModule } from './common/auth/app-passport';
import { BearerAuthenticator } from './common/auth/bearer-authenticator';
import { SubjectPermissions } from './common/auth/subject-permissions';
import { BcryptBudget } from './common/bcrypt-budget';
import { bindPort, PortsModule } from './common/ports.module';
import { AccessPermissions } from './access/engine/access-permissions';
import { SourceBcryptBudget } from './rate-limit/bcrypt-budget.service';
import { AccessTokenVerifier } from './tokens/access-token.verifier';
import { DpopRequestKeys } from './tokens/dpop/dpop-request-key';
import { DpopProofKeys } from './common/auth/dpop-proof-keys';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { DiscoveryModule } from './discovery/discovery.module';
import { htmlErrorPage } from './error-page';
import { ENTITIES } from './entities';
import { Metrics } from './metrics/metrics';
import { MetricsAddress } from './metrics/metrics-listener';
import { MetricsModule } from './metrics/metrics.module';
import { TracesFlushedAtShutdown } from './traces-flushed';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { TokensModule } from './tokens/tokens.module';
import { PasskeysModule } from './passkeys/passkeys.module';
import { UsersModule } from './users/users.module';
import { IdentityProvidersModule } from './identity-providers/identity-providers.module';

@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    hotRoutes: HotRoutes,
    logs: Logs,
    common: CommonOptions = {},
    metrics: Metrics = Metrics.off(),
    metricsAddress?: MetricsAddress,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule.forRoot(metrics, metricsAddress),
        CommonModule.forRoot({ trustProxy: config.trustProxy, logs }, common),
        HotRoutesModule.forRoot(hotRoutes),
        AppPassportModule,
        DatabaseModule.forRoot(ENTITIES),
        // The ports of src/common and the classes that answer them (docs/architecture.md, ports).
        PortsModule.forRoot({
          imports: [TokensModule, AccessModule, RateLimitModule],
          bindings: [
            bindPort(BearerAuthenticator, AccessTokenVerifier),
            bindPort(SubjectPermissions, AccessPermissions),
            bindPort(BcryptBudget, SourceBcryptBudget),
            bindPort(DpopProofKeys, DpopRequestKeys),
          ],
        }),
        EventsModule,
        CryptoModule,
        RateLimitModule,
        ClientsModule,
        UsersModule,
        IdentityProvidersModule,
        AuthorizationModule,
        TokensModule,
        PasskeysModule,
        AccessModule,
        AccountModule,
        DiscoveryModule,
        HealthModule,
        ConsoleModule,
      ],
      providers: [
        { provide: ERROR_PAGE, useValue: htmlErrorPage },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        TracesFlushedAtShutdown,
      ],
    };
  }
}
