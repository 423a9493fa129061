/** Something that can end every token issued before an instant (a disabled client or user). */
interface CutsOffTokens {
  tokensValidAfter: Date | null;
}

/**
 * Whether a token issued at `issuedAt` (a Date, or JWT `iat` seconds) predates a cutoff of any
 * of `subjects`. `iat` has one-second resolution, so a token from the cutoff's own second counts
 * as before it: fail closed.
 */
export function issuedBeforeCutoff(
  issuedAt: Date | number,
  ...subjects: Array<CutsOffTokens | null | undefined>
): boolean {
  const issuedMs = typeof issuedAt === 'number' ? issuedAt * 1000 : issuedAt.getTime();
  return subjects.some((subject) => {
    const cutoff = subject?.tokensValidAfter?.getTime();
    if (cutoff === undefined) return false;
    return typeof issuedAt === 'number' ? issuedMs <= cutoff : issuedMs < cutoff;
  });
}
