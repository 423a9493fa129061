import passport from 'passport';

/**
 * Runs one Passport strategy on a request and resolves with what it authenticated, or null when
 * the strategy failed without an error (passport's `fail`). Errors reject.
 */
export function passportAuthenticate<T>(
  strategy: string,
  request: unknown,
  response: unknown,
): Promise<T | null> {
  return new Promise<T | null>((resolve, reject) => {
    const middleware = passport.authenticate(
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
