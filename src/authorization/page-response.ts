import { FastifyReply } from 'fastify';
import { messagePage } from './views/pages';

/**
 * Headers every page carries: no framing (X-Frame-Options, CSP frame-ancestors), no referrer,
 * no caching, and a CSP that allows only our own stylesheet.
 */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
};

/**
 * The headers of a page that runs our own scripts (WebAuthn needs JavaScript): the same, with
 * scripts and fetch from our origin only, still no inline script (docs/passkeys.md).
 */
export const SCRIPTED_PAGE_HEADERS = {
  ...PAGE_HEADERS,
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
};

export function sendPage(
  reply: FastifyReply,
  status: number,
  body: string,
  headers: Record<string, string> = PAGE_HEADERS,
): void {
  void reply.status(status).headers(headers).send(body);
}

/** RFC 9110 §15.4.4: 303 See Other after every POST, so a reload never resubmits. */
export function seeOther(reply: FastifyReply, location: string): void {
  void reply
    .status(303)
    .headers({ ...PAGE_HEADERS, location })
    .send();
}

/** 503 when sign-in cannot be judged (the rate-limit store is unreachable): fail closed. */
export function sendUnavailablePage(reply: FastifyReply): FastifyReply {
  void reply.header('retry-after', '1');
  sendPage(
    reply,
    503,
    messagePage('Temporarily unavailable', 'Sign-in is unavailable for a moment. Try again soon.'),
  );
  return reply;
}

/**
 * 429 (RFC 6585 §4) with Retry-After: `what` came too often from the sender's network (IPv4
 * address or IPv6 /64).
 */
export function sendTooManyPage(reply: FastifyReply, wait: number, what: string): FastifyReply {
  const seconds = `${wait} second${wait === 1 ? '' : 's'}`;
  void reply.header('retry-after', String(wait));
  sendPage(
    reply,
    429,
    messagePage(
      'Too many requests',
      `Too many ${what} came from your network. Wait ${seconds}, then try again.`,
    ),
  );
  return reply;
}
