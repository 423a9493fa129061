import { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { bearerToken } from '../../common/auth/bearer-token';
import { ClientAddressReader } from '../../common/http/client-address';
import { ClientCertificateReader } from '../../common/http/client-certificate';
import { dpopToken } from '../../tokens/dpop/dpop-proof';
import { Presentation } from '../engine/decision';

/** A host, with its port: what `X-Forwarded-Host` or `Host` may hold to rebuild a URL from. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const SCHEME = /^https?$/i;

/** Whose `X-Forwarded-Proto` and `X-Forwarded-Host` are believed when rebuilding the URL. */
export type ForwardedTrust = 'gateway' | 'trusted-proxy';

/** How a hot route reads what a request presents beyond its headers. */
export interface RequestReaders {
  certificates: ClientCertificateReader;
  addresses: ClientAddressReader;
}

/**
 * The token of `Authorization` (`Bearer`, RFC 6750 §2.1, or `DPoP`, RFC 9449 §7.1) and how it was
 * presented, for a request about `method` and `uri` (the original request at a gateway, the
 * request itself at `/access/check`). Nothing but the scheme is read until the engine asks: a
 * Bearer token without `cnf` costs no header more, and the client's address is read only for a
 * condition.
 */
export function presentedToken(
  request: IncomingMessage,
  original: { method: string; uri: string },
  readers: RequestReaders,
  forwarded: ForwardedTrust,
): { token?: string; presented: Presentation } {
  const authorization = request.headers.authorization;
  const bearer = bearerToken(authorization);
  if (bearer !== undefined) {
    return {
      token: bearer,
      presented: new RequestPresentation(request, 'Bearer', original, readers, forwarded),
    };
  }
  const dpop = dpopToken(authorization);
  return {
    token: dpop,
    presented: new RequestPresentation(
      request,
      dpop === undefined ? 'Bearer' : 'DPoP',
      original,
      readers,
      forwarded,
    ),
  };
}

class RequestPresentation implements Presentation {
  readonly method: string;

  constructor(
    private readonly request: IncomingMessage,
    readonly scheme: 'Bearer' | 'DPoP',
    private readonly original: { method: string; uri: string },
    private readonly readers: RequestReaders,
    private readonly forwarded: ForwardedTrust,
  ) {
    this.method = original.method;
  }

  dpop(): string | undefined {
    const value = this.request.headers.dpop;
    return typeof value === 'string' ? value : undefined;
  }

  /**
   * RFC 9449 §4.3 (9): the URL of the request the proof is for, rebuilt from
   * `X-Forwarded-Proto` (else the connection's scheme), `X-Forwarded-Host` (else `Host`) and the
   * original URI without its query and fragment (docs/gateways.md). A gateway names the original
   * request, so its forwarded headers are believed as its `X-Original-URI` is; at
   * `/access/check`, only from an address TRUST_PROXY trusts.
   */
  url(): string | undefined {
    const believed =
      this.forwarded === 'gateway' || this.readers.certificates.fromTrustedProxy(this.request);
    const proto =
      (believed ? first(this.request.headers['x-forwarded-proto']) : undefined) ??
      ((this.request.socket as TLSSocket).encrypted ? 'https' : 'http');
    const host =
      (believed ? first(this.request.headers['x-forwarded-host']) : undefined) ??
      first(this.request.headers.host);
    if (host === undefined || !HOST.test(host) || !SCHEME.test(proto)) return undefined;
    const uri = this.original.uri;
    const end = uri.search(/[?#]/);
    const path = end === -1 ? uri : uri.slice(0, end);
    if (!path.startsWith('/')) return undefined;
    return `${proto}://${host}${path}`;
  }

  certificateThumbprint(): string | undefined {
    return this.readers.certificates.read(this.request).certificate?.thumbprint();
  }

  /**
   * The client's address (conditions' `context.address`): at a gateway the original client, at
   * `/access/check` the caller; X-Forwarded-For and X-Real-IP believed only from an address
   * TRUST_PROXY trusts (ClientAddressReader).
   */
  address(): string | undefined {
    return this.readers.addresses.read(this.request);
  }
}

/** The first of a header's comma-separated values (the one the client-facing proxy set). */
function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const comma = text.indexOf(',');
  const one = (comma === -1 ? text : text.slice(0, comma)).trim();
  return one === '' ? undefined : one;
}
