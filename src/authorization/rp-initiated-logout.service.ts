import { Injectable } from '@nestjs/common';
import { ClientDirectory } from '../clients/client-directory.service';
import { JwtService } from '../crypto/jwt.service';
import { ID_TOKEN_ALGORITHMS } from '../crypto/signing-algorithms';
import { formField } from './form';
import { SessionsService } from './sessions.service';

interface IdTokenHint {
  clientId: string;
  sub?: string;
}

/** What the user is asked to confirm, and where they go after. */
export interface LogoutQuestion {
  clientId?: string;
  postLogoutRedirectUri?: string;
  state?: string;
}

/** Whether the user confirmed: a form with a valid CSRF token, one without, or a plain link. */
export type LogoutConfirmation = 'ask' | 'ask-again' | 'confirmed';

/** What a logout request comes to; the controller turns it into a page or a redirect. */
export type LogoutOutcome =
  /** The request is invalid: an error page that says why (never a redirect). */
  | { kind: 'refused'; message: string }
  /** Ask the user on a form. */
  | { kind: 'confirm'; question: LogoutQuestion }
  /** A form without a valid CSRF token: ask again, by 303 (no logout). */
  | { kind: 'ask-again'; question: LogoutQuestion }
  /** The session has ended: back to the client's `target` (state included), or our own page. */
  | { kind: 'signed-out'; target?: string };

/**
 * OpenID Connect RP-Initiated Logout 1.0 (`end_session_endpoint`). With a valid id_token_hint
 * the session ends at once; without one the user confirms on a form (no logout by a stray
 * link). The browser goes back only to a post_logout_redirect_uri the client registered.
 */
@Injectable()
export class RpInitiatedLogout {
  constructor(
    private readonly sessions: SessionsService,
    private readonly clients: ClientDirectory,
    private readonly jwt: JwtService,
  ) {}

  /** The logout `params` ask for, by the holder of `sessionCookie`. */
  async logout(
    params: Record<string, unknown>,
    sessionCookie: string | undefined,
    confirmation: LogoutConfirmation,
  ): Promise<LogoutOutcome> {
    const idTokenHint = formField(params, 'id_token_hint');
    const requestedClientId = formField(params, 'client_id');
    const postLogoutRedirectUri = formField(params, 'post_logout_redirect_uri');
    const state = formField(params, 'state');
    let hint: IdTokenHint | undefined;
    if (idTokenHint) {
      hint = await this.readHint(idTokenHint);
      if (!hint) return { kind: 'refused', message: 'The id_token_hint is not valid.' };
      if (requestedClientId && requestedClientId !== hint.clientId) {
        return { kind: 'refused', message: 'client_id does not match the id_token_hint.' };
      }
    }
    const clientId = hint?.clientId ?? requestedClientId;
    let target: string | undefined;
    if (postLogoutRedirectUri) {
      const client = clientId ? await this.clients.findActive(clientId) : null;
      if (!client || !client.postLogoutRedirectUris.includes(postLogoutRedirectUri)) {
        return {
          kind: 'refused',
          message: 'post_logout_redirect_uri is not registered for this application.',
        };
      }
      target = postLogoutRedirectUri;
    }
    // RP-Initiated Logout 1.0 §2: the OP must ask the user unless the id_token_hint names the
    // user signed in here.
    const session = await this.sessions.find(sessionCookie);
    const hintIsSessionUser = hint !== undefined && (!session || session.user.id === hint.sub);
    if (!hintIsSessionUser && confirmation !== 'confirmed') {
      const question = { clientId, postLogoutRedirectUri, state };
      return { kind: confirmation === 'ask-again' ? 'ask-again' : 'confirm', question };
    }
    await this.sessions.end(sessionCookie);
    if (!target) return { kind: 'signed-out' };
    const url = new URL(target);
    if (state !== undefined) url.searchParams.set('state', state);
    return { kind: 'signed-out', target: url.toString() };
  }

  /** The audience and subject of one of our ID tokens (signature checked; expiry does not matter). */
  private async readHint(idToken: string): Promise<IdTokenHint | undefined> {
    try {
      const payload = await this.jwt.verify(idToken, {
        typ: 'JWT',
        algorithms: [...ID_TOKEN_ALGORITHMS],
        allowExpired: true,
      });
      const clientId = typeof payload.aud === 'string' ? payload.aud : payload.aud?.[0];
      return clientId ? { clientId, sub: payload.sub } : undefined;
    } catch {
      return undefined;
    }
  }
}
