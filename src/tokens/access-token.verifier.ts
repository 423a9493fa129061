import { Injectable } from '@nestjs/common';
import { BearerAuthenticator, BearerPrincipal } from '../common/auth/bearer-authenticator';
import { isGatehouseScope } from '../common/auth/permissions';
import { parseScope } from '../common/auth/scope-syntax';
import { SubjectPermissions } from '../common/auth/subject-permissions';
import { InvalidTokenError } from '../common/oauth-error';
import { ClientDirectory } from '../clients/client-directory.service';
import { Client } from '../clients/client';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { UserDirectory } from '../users/user-directory.service';
import { User } from '../users/user';
import { ACCESS_TOKEN_TYPE } from './access-token.issuer';
import { RevocationList } from './revocation-list.service';
import { asTokenHolder, tokenLiveness } from './token-liveness';
import { isClientsOwnToken } from '../common/auth/token-subject';

/**
 * Verifies access tokens presented to Gatehouse's own APIs (RFC 9068 §4): signature by one of
 * our keys, `typ` at+jwt, `iss`, `exp`; then live (token-liveness.ts: not revoked, its client
 * and, for a user's token, the user active, issued after their cut-offs), read from the client
 * and user directories. Gatehouse's own scopes (`iam:*`) count only while they are still backed
 * now: the client is registered for them, and a user still holds them through a role
 * (docs/security/privilege.md).
 */
@Injectable()
export class AccessTokenVerifier extends BearerAuthenticator {
  constructor(
    private readonly jwt: JwtService,
    private readonly clients: ClientDirectory,
    private readonly users: UserDirectory,
    private readonly revocations: RevocationList,
    private readonly config: AppConfig,
    private readonly permissions: SubjectPermissions,
  ) {
    super();
  }

  /** For the admin API: the token must also be addressed to Gatehouse (the issuer). */
  async authenticate(token: string): Promise<BearerPrincipal> {
    const principal = await this.verify(token, this.config.issuer);
    // RFC 9449 §7.2: a DPoP-bound token is not a Bearer token, and the admin API takes Bearer only.
    if (principal.bound) {
      throw new InvalidTokenError(undefined, 'a sender-constrained token presented as Bearer');
    }
    return principal;
  }

  async verify(token: string, audience?: string): Promise<BearerPrincipal> {
    const payload = await this.jwt
      .verify(token, {
        typ: ACCESS_TOKEN_TYPE,
        audience,
        algorithms: [this.config.keys.accessTokenAlgorithm],
      })
      .catch(() => {
        throw new InvalidTokenError();
      });
    const { sub, client_id: clientId, scope, jti, iat, cnf } = payload as Record<string, unknown>;
    if (
      typeof sub !== 'string' ||
      typeof clientId !== 'string' ||
      typeof jti !== 'string' ||
      typeof iat !== 'number'
    ) {
      throw new InvalidTokenError();
    }
    const facts = { jti, sub, clientId, issuedMs: iat * 1000 };
    // The revocation list first: while it is not known that is a 503, before any lookup; and a
    // revoked token needs none.
    const revoked = this.revocations.isRevoked(jti);
    const client = revoked ? null : await this.clients.findActive(clientId);
    const user = client && !isClientsOwnToken(facts) ? await this.users.findActive(sub) : null;
    const liveness = tokenLiveness(facts, {
      isRevoked: () => revoked,
      client: () => asTokenHolder(client),
      user: () => asTokenHolder(user),
    });
    if (liveness !== 'live' || !client) throw new InvalidTokenError();
    const scopes = typeof scope === 'string' ? (parseScope(scope) ?? []) : [];
    const bound = cnf !== undefined;
    return { sub, clientId, jti, bound, scopes: this.backedNow(scopes, client, user) };
  }

  /**
   * The token's scopes without the `iam:*` ones that are no longer backed: narrowing the client's
   * registered scope or removing the user's role ends them at once, not at `exp`. Read from
   * memory (the client directory, the access state); an unknown access state is a 503.
   */
  private backedNow(scopes: string[], client: Client, user: User | null): string[] {
    if (!scopes.some(isGatehouseScope)) return scopes;
    const held = user ? this.permissions.permissionsOf({ type: 'user', id: user.id }) : undefined;
    return scopes.filter(
      (scope) =>
        !isGatehouseScope(scope) ||
        (client.scopes.includes(scope) && (held === undefined || held.has(scope))),
    );
  }
}
