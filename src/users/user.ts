import { Attributes } from '../common/attributes';

export type UserStatus = 'active' | 'disabled';

/**
 * A user as other modules see it: a plain snapshot taken when it was read, never the stored row
 * and never the password hash.
 */
export interface User {
  /** The OIDC `sub`. */
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly givenName: string | null;
  readonly familyName: string | null;
  /** Admin-set (docs/access.md, Attributes). */
  readonly attributes: Attributes;
  readonly status: UserStatus;
  /** Tokens issued before this instant are dead even if the user is active again. */
  readonly tokensValidAfter: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What the decision engine keeps of a user (docs/access.md). */
export interface UserStanding {
  readonly id: string;
  readonly active: boolean;
  /** Epoch ms; tokens issued before it are dead. */
  readonly tokensValidAfter: number | null;
  /** The username as compared (lower case), to name the user by (docs/access.md). */
  readonly usernameNormalized: string;
  /** As the user chose it, for conditions (`subject.username`). */
  readonly username: string;
  readonly email: string | null;
  /** Frozen; the one shared empty object when `{}`. */
  readonly attributes: Attributes;
}

/** A snapshot of a stored user (or of another snapshot), taken once when it is read. */
export function userSnapshot(from: User): User {
  return {
    id: from.id,
    username: from.username,
    email: from.email,
    emailVerified: from.emailVerified,
    name: from.name,
    givenName: from.givenName,
    familyName: from.familyName,
    attributes: from.attributes,
    status: from.status,
    tokensValidAfter: from.tokensValidAfter,
    createdAt: from.createdAt,
    updatedAt: from.updatedAt,
  };
}

/** What an upstream provider says of a person, as a new federated account takes it. */
export interface FederatedProfile {
  username: string;
  email: string | null;
  /** Kept only with an email, and only when the upstream said it verified it. */
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
}
