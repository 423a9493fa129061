import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AccessModule } from './access/access.module';
import { AuthorizationModule } from './authorization/authorization.module';
import { ClientsModule } from './clients/clients.module';
import { AllExceptionsFilter, ERROR_PAGE } from './common/all-exceptions.filter';
import { CommonModule, CommonOptions } from './common/common.module';
import { HotRoutes } from './common/http/hot-routes';
import { HotRoutesModule } from './common/http/hot-routes.module';
import { AppPassportModule } from './common/auth/app-passport';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { DiscoveryModule } from './discovery/discovery.module';
import { htmlErrorPage } from './error-page';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { TokensModule } from './tokens/tokens.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    hotRoutes: HotRoutes,
    common: CommonOptions = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule.forRoot(common),
        HotRoutesModule.forRoot(hotRoutes),
        AppPassportModule,
        DatabaseModule,
        EventsModule,
        CryptoModule,
        RateLimitModule,
        ClientsModule,
        UsersModule,
        AuthorizationModule,
        TokensModule,
        AccessModule,
        DiscoveryModule,
        HealthModule,
      ],
      providers: [
        { provide: ERROR_PAGE, useValue: htmlErrorPage },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
