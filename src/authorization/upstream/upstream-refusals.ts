import { FastifyReply } from 'fastify';
import { sendPage } from '../page-response';
import { upstreamRefusalPage } from '../views/upstream-pages';
import { UpstreamRefusal } from './upstream-sign-in.service';

/** A malformed callback: repeated, oversized or control-character parameters. */
export type CallbackRefusal = UpstreamRefusal | 'invalid_callback';

const PAGES: Record<CallbackRefusal, { status: number; title: string; message: string }> = {
  unknown_provider: {
    status: 404,
    title: 'Unknown sign-in option',
    message: 'There is no such sign-in option.',
  },
  provider_disabled: {
    status: 403,
    title: 'Sign-in option turned off',
    message: 'Signing in with this provider is turned off.',
  },
  no_pending_sign_in: {
    status: 400,
    title: 'Sign-in expired',
    message: 'This sign-in expired or was already used. Start again from the sign-in page.',
  },
  state_mismatch: {
    status: 400,
    title: 'Sign-in not verified',
    message: 'This sign-in could not be verified. Start again from the sign-in page.',
  },
  invalid_callback: {
    status: 400,
    title: 'Sign-in not verified',
    message: 'This sign-in could not be verified. Start again from the sign-in page.',
  },
  provider_error: {
    status: 400,
    title: 'Not signed in',
    message: 'The provider did not sign you in. Start again if you want to try once more.',
  },
  token_refused: {
    status: 502,
    title: 'Provider problem',
    message: 'The provider did not complete the sign-in. Try again later.',
  },
  invalid_response: {
    status: 502,
    title: 'Provider problem',
    message: "The provider's answer could not be verified, so you are not signed in.",
  },
  unreachable: {
    status: 503,
    title: 'Provider unavailable',
    message: 'The provider cannot be reached right now. Try again in a moment.',
  },
  account_inactive: {
    status: 403,
    title: 'Account unavailable',
    message: 'This account cannot sign in. Ask an administrator.',
  },
  ambiguous_email: {
    status: 409,
    title: 'Account not linked',
    message:
      'More than one account here has this email address, so none is linked. Ask an administrator.',
  },
  username_unavailable: {
    status: 409,
    title: 'Account not created',
    message: 'No account could be created for you right now. Try again.',
  },
};

/**
 * The page of a refused upstream sign-in: 4xx for what the browser brought, 502 for what the
 * upstream sent that did not verify, 503 with Retry-After for an upstream that does not answer.
 */
export function sendUpstreamRefusal(reply: FastifyReply, reason: CallbackRefusal): void {
  const page = PAGES[reason];
  if (page.status === 503) void reply.header('retry-after', '30');
  sendPage(reply, page.status, upstreamRefusalPage(page.title, page.message));
}
