import { Global, Injectable, Module } from '@nestjs/common';
import passport from 'passport';

/**
 * This application's own Passport (`new Passport()`), with only its own strategies. Passport's
 * default export is one registry per process: two applications in one process (tests, or an
 * embedding program) would each register their strategies there, and the last one would serve
 * both, against its own database.
 */
@Injectable()
export class AppPassport {
  private readonly passport = new passport.Passport();

  use(name: string, strategy: passport.Strategy): void {
    this.passport.use(name, strategy);
  }

  /**
   * Runs one strategy on a request and resolves with what it authenticated, or null when the
   * strategy failed without an error (passport's `fail`). Errors reject.
   */
  authenticate<T>(strategy: string, request: unknown, response: unknown): Promise<T | null> {
    return new Promise<T | null>((resolve, reject) => {
      const middleware = this.passport.authenticate(
        strategy,
        { session: false },
        (error: unknown, result: T | false) => {
          if (error) reject(error instanceof Error ? error : new Error('authentication failed'));
          else resolve(result || null);
        },
      ) as (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
      middleware(request, response, reject);
    });
  }
}

/** Offers each application one AppPassport, shared by its strategies and its guards. */
@Global()
@Module({ providers: [AppPassport], exports: [AppPassport] })
export class AppPassportModule {}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StrategyClass = new (...args: any[]) => passport.Strategy;

/** The strategy's class, constructed with the AppPassport first, then the strategy's options. */
type RegisteredStrategyClass<T extends StrategyClass> = abstract new (
  owner: AppPassport,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ...options: any[]
) => InstanceType<T>;

/**
 * A Passport strategy registered under `name` on the application's AppPassport (the first
 * constructor argument; the rest are the strategy's options). Like the `@nestjs/passport` mixin, it
 * calls `validate` with the strategy's verify arguments and reports its result or error.
 */
export function AppPassportStrategy<T extends StrategyClass>(
  Strategy: T,
  name: string,
): RegisteredStrategyClass<T> {
  abstract class RegisteredStrategy extends Strategy {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      const [owner, ...options] = args as [AppPassport, ...unknown[]];
      const verify = async (...params: unknown[]): Promise<void> => {
        const done = params.pop() as (error: unknown, result?: unknown) => void;
        try {
          const strategy = this as unknown as { validate(...p: unknown[]): unknown };
          done(null, await strategy.validate(...params));
        } catch (error) {
          done(error, null);
        }
      };
      super(...options, verify);
      owner.use(name, this);
    }
  }
  return RegisteredStrategy as unknown as RegisteredStrategyClass<T>;
}
