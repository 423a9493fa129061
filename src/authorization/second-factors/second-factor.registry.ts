import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Html } from '../views/html';

/** One enrolled second factor, as the account page and the admin API show it. */
export interface SecondFactorSummary {
  /** The kind's name, e.g. `totp`, `recovery_codes`, `passkey`. */
  kind: string;
  /** Stable id of this factor within its kind (a passkey's credential id, a TOTP's row id). */
  id: string;
  /** What the person sees, e.g. "Authenticator app" or a passkey's name. */
  label: string;
  createdAt: Date;
  /** Kind-specific facts worth showing, never a secret (e.g. `{ remaining: 7 }`). */
  details?: Record<string, unknown>;
}

/** What a kind may put on the second-factor step's page, beside the one-time code form. */
export interface ChallengePageContext {
  csrf: string;
  /** The user the pending sign-in (or step-up) is for. */
  userId: string;
}

/** What a kind may put on /account/security, below the authenticator app. */
export interface AccountPageContext {
  csrf: string;
  userId: string;
  /** Whether the session is recent enough to change second factors (else show, don't offer). */
  recent: boolean;
  /** The pending authorization request the page carries, if any (a hidden `interaction`). */
  interaction?: string;
}

/**
 * A kind of second factor. TOTP (with recovery codes) is built in; another module adds its
 * kind (passkeys, say) by calling `SecondFactorRegistry.register` from its constructor:
 *
 * - `enrolled` makes a person "have a second factor": a correct password then leads to the
 *   second-factor step instead of a session, and `MFA_REQUIRED` no longer asks them to enrol.
 * - `challengeOption` adds a piece of the step's page (a "Use a passkey" button and its script,
 *   say). The kind verifies the person on its own route and then calls
 *   `SecondFactorStep.complete(request, reply, methods)` with its RFC 8176 methods (e.g.
 *   `['hwk', 'user']`): that ends the pending sign-in and starts the session with
 *   `amr` = first factor + `methods` + `mfa`.
 * - `accountSection` adds a section to /account/security (a passkey list with enrol and
 *   remove buttons, say); its forms post to the kind's own routes, which must check CSRF and a
 *   recent sign-in as the page's own forms do.
 * - `list` and `removeAll` back the admin API (GET/DELETE /admin/users/{id}/second-factors).
 */
export interface SecondFactorKind {
  readonly kind: string;
  /** Whether the user has this factor, usable at sign-in. */
  enrolled(userId: string): Promise<boolean>;
  list(userId: string): Promise<SecondFactorSummary[]>;
  /** Removes every factor of this kind of the user, in the caller's transaction; how many. */
  removeAll(userId: string, manager: EntityManager): Promise<number>;
  challengeOption?(context: ChallengePageContext): Promise<Html | undefined>;
  accountSection?(context: AccountPageContext): Promise<Html | undefined>;
}

/** Every kind of second factor the server knows (docs/second-factors.md, Factor kinds). */
@Injectable()
export class SecondFactorRegistry {
  private readonly kinds = new Map<string, SecondFactorKind>();

  register(kind: SecondFactorKind): void {
    this.kinds.set(kind.kind, kind);
  }

  all(): SecondFactorKind[] {
    return [...this.kinds.values()];
  }

  /** Whether the user has any second factor. */
  async hasAny(userId: string): Promise<boolean> {
    for (const kind of this.kinds.values()) if (await kind.enrolled(userId)) return true;
    return false;
  }

  async list(userId: string): Promise<SecondFactorSummary[]> {
    const lists = await Promise.all(this.all().map((kind) => kind.list(userId)));
    return lists.flat();
  }

  async accountSections(context: AccountPageContext): Promise<Html[]> {
    const sections = await Promise.all(
      this.all().map((kind) => kind.accountSection?.(context) ?? Promise.resolve(undefined)),
    );
    return sections.filter((section): section is Html => section !== undefined);
  }

  async challengeOptions(context: ChallengePageContext): Promise<Html[]> {
    const options = await Promise.all(
      this.all().map((kind) => kind.challengeOption?.(context) ?? Promise.resolve(undefined)),
    );
    return options.filter((option): option is Html => option !== undefined);
  }
}
