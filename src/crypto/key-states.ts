import { SigningKeyEntity } from './signing-key.entity';

/**
 * Where a signing key stands in its rotation (docs/key-rotation.md, "Key states"), judged at one
 * instant from its stored `signs_from` and `retired_at`:
 *
 * - `next`: published in /jwks but not signing yet (`signs_from` is ahead);
 * - `current`: signing now (`signs_from` has passed and `retired_at` is empty or ahead: a key
 *   whose successor waits for its own `signs_from` is still current);
 * - `retired`: replaced (`retired_at` has passed); it stays in /jwks and verifies until every
 *   token it signed has expired, then its row is deleted.
 */
export type KeyState = 'current' | 'next' | 'retired';

/** A signing key as the admin API lists it: never key material. */
export interface KeyStateView {
  kid: string;
  alg: string;
  state: KeyState;
  created_at: string;
  /** From when the key signs (`signs_from`). */
  activates_at: string | null;
  /** When it stops signing (its successor's `signs_from`); null while no successor exists. */
  retires_at: string | null;
}

export function keyStateOf(
  key: Pick<SigningKeyEntity, 'signsFrom' | 'retiredAt'>,
  now: number,
): KeyState {
  if (key.retiredAt && key.retiredAt.getTime() <= now) return 'retired';
  if (key.signsFrom.getTime() > now) return 'next';
  return 'current';
}

const ordinal = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const ORDER: Record<KeyState, number> = { next: 0, current: 1, retired: 2 };

/** The keys by algorithm (ES256, EdDSA, RS256: code-point order), then next, current, retired, newest first within a state. */
export function toKeyStateViews(
  keys: Pick<SigningKeyEntity, 'kid' | 'algorithm' | 'createdAt' | 'signsFrom' | 'retiredAt'>[],
  now: number,
): KeyStateView[] {
  return keys
    .map((key) => ({ key, state: keyStateOf(key, now) }))
    .sort(
      (a, b) =>
        ordinal(a.key.algorithm, b.key.algorithm) ||
        ORDER[a.state] - ORDER[b.state] ||
        b.key.signsFrom.getTime() - a.key.signsFrom.getTime() ||
        ordinal(a.key.kid, b.key.kid),
    )
    .map(({ key, state }) => ({
      kid: key.kid,
      alg: key.algorithm,
      state,
      created_at: key.createdAt.toISOString(),
      activates_at: key.signsFrom.toISOString(),
      retires_at: key.retiredAt ? key.retiredAt.toISOString() : null,
    }));
}
