/**
 * Something that can end every token issued before an instant: a client or user disabled, a
 * password changed (`tokensValidAfter`, epoch-exact).
 */
export interface CutsOffTokens {
  tokensValidAfter: Date | null;
}

/**
 * Whether a token issued at `issuedAt` predates a cut-off of any of `subjects`: fail closed, a
 * tie is before. `issuedAt` is a Date, or JWT `iat` seconds (RFC 7519 §4.1.6): those have
 * one-second resolution, so a token from the cut-off's own second counts as before it, whether
 * it was minted before or after the cut-off within that second. The issuer therefore never
 * mints a token in that second (see firstLiveSecond): every token it issues lives.
 */
export function issuedBeforeCutoff(
  issuedAt: Date | number,
  ...subjects: Array<CutsOffTokens | null | undefined>
): boolean {
  const issuedMs = typeof issuedAt === 'number' ? issuedAt * 1000 : issuedAt.getTime();
  return subjects.some((subject) =>
    predatesCutoff(issuedMs, subject?.tokensValidAfter?.getTime() ?? null),
  );
}

/**
 * The rule itself, in epoch ms: a token issued at `issuedMs` is dead when a cut-off exists and
 * the token is not after it (a tie is before). For a JWT, `issuedMs` is `iat` * 1000, the start
 * of its second, which is what makes a token from the cut-off's own second dead.
 */
export function predatesCutoff(issuedMs: number, cutoffMs: number | null): boolean {
  return cutoffMs !== null && issuedMs <= cutoffMs;
}

/**
 * The first whole second (epoch seconds) whose JWTs outlive every cut-off of `subjects`: the
 * second after the latest cut-off's own. A token with a smaller `iat` would be dead on arrival.
 */
export function firstLiveSecond(...subjects: Array<CutsOffTokens | null | undefined>): number {
  let latest = -Infinity;
  for (const subject of subjects) {
    const cutoff = subject?.tokensValidAfter?.getTime();
    if (cutoff !== undefined && cutoff > latest) latest = cutoff;
  }
  return latest === -Infinity ? 0 : Math.floor(latest / 1000) + 1;
}
