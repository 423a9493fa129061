import { Inject, Module, NestModule, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { AppConfig } from '../config/app-config';
import { SourceBcryptBudget } from './bcrypt-budget.service';
import { ClientAuthBackoff } from './client-auth-backoff.service';
import { MAX_MEMORY_ENTRIES, MemoryStore } from './memory.store';
import { RateLimitHook } from './rate-limit.hook';
import { RATE_LIMIT_STORE, RateLimitStore } from './rate-limit.store';
import { RateLimiter } from './rate-limiter.service';
import { RedisStore } from './redis.store';
import { Clock } from '../common/clock';

/**
 * Rate limits (RATE_LIMIT_*, CLIENT_AUTH_MAX_FAILURES*): counters in memory, or in Redis shared
 * by every process when REDIS_URL is set. SourceBcryptBudget implements the BcryptBudget port
 * that crypto's SecretHasher charges; the composition root binds it (docs/architecture.md).
 */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock): RateLimitStore =>
        config.rateLimits.redisUrl
          ? new RedisStore(config.rateLimits.redisUrl, clock)
          : new MemoryStore(MAX_MEMORY_ENTRIES, clock),
    },
    RateLimiter,
    ClientAuthBackoff,
    RateLimitHook,
    SourceBcryptBudget,
  ],
  exports: [RateLimiter, ClientAuthBackoff, SourceBcryptBudget, RATE_LIMIT_STORE, RateLimitHook],
})
export class RateLimitModule implements NestModule, OnApplicationShutdown {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly hook: RateLimitHook,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {}

  /** Runs before Nest registers its routes, so the onRoute hook sees every one of them. */
  configure(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route) => this.hook.attach(route));
  }

  /** After the server has stopped taking requests. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
