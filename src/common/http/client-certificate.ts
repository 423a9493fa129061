import { createHash, X509Certificate } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import proxyAddr from 'proxy-addr';

/**
 * The header a TLS-terminating proxy forwards the client's certificate in: URL-encoded PEM, as
 * nginx's `$ssl_client_escaped_cert` (docs/mtls.md).
 */
export const CLIENT_CERT_HEADER = 'x-ssl-client-cert';

/** The longest forwarded certificate read (URL-encoded PEM); a 4096-bit RSA leaf is about 3 kB. */
const MAX_FORWARDED_CERT_CHARS = 16_384;

/**
 * Exactly one PEM certificate and nothing else: a repeated header (joined with `, `) or a value
 * with a second certificate is refused, so a certificate a client prepends to what the proxy
 * adds can never be the one read.
 */
const PEM_BODY = /^\s*-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----\s*$/;

/**
 * The certificate a client presented (RFC 8705 §2), from its own TLS connection or forwarded by
 * a trusted proxy. The DER is all the binding check needs; the parsed X.509 is made only when
 * asked for (client authentication), so a gateway check pays for a hash, not a parse.
 */
export class ClientCertificate {
  private parsed?: X509Certificate;
  private thumbprintValue?: string;

  constructor(
    readonly der: Buffer,
    /** How it arrived: on this TLS connection, or in `X-SSL-Client-Cert` from a trusted proxy. */
    readonly source: 'tls' | 'proxy',
  ) {}

  /** RFC 8705 §3.1 `x5t#S256`: base64url SHA-256 of the DER certificate. */
  thumbprint(): string {
    return (this.thumbprintValue ??= createHash('sha256').update(this.der).digest('base64url'));
  }

  /** The parsed certificate; throws when the DER is not a certificate. */
  x509(): X509Certificate {
    return (this.parsed ??= new X509Certificate(this.der));
  }
}

/** What a request says about its client certificate. */
export interface PresentedCertificate {
  certificate?: ClientCertificate;
  /** Why a certificate the request carried was not believed (for the audit log, never the PEM). */
  problem?: 'header_from_untrusted_address' | 'header_malformed';
}

export type TrustProxySetting = boolean | number | string[];

/**
 * Reads the client certificate of a request, for every route (Fastify's and the hot routes').
 * The TLS connection's own certificate wins; otherwise `X-SSL-Client-Cert` is believed only when
 * the connection comes from an address TRUST_PROXY trusts, the same rule Fastify applies to
 * X-Forwarded-For. Nothing here validates the certificate: that is client authentication's job
 * (RFC 8705 §2.1, §2.2); a binding check needs only its thumbprint.
 */
export class ClientCertificateReader {
  private readonly trusted: (address: string) => boolean;

  constructor(trustProxy: TrustProxySetting) {
    this.trusted = trustOfNearestPeer(trustProxy);
  }

  /**
   * Whether the request's connection comes from an address TRUST_PROXY trusts: its forwarded
   * headers (`X-SSL-Client-Cert`, `X-Forwarded-Proto`, `X-Forwarded-Host`) are the proxy's own.
   */
  fromTrustedProxy(request: IncomingMessage): boolean {
    return this.trusted(request.socket.remoteAddress ?? '');
  }

  read(request: IncomingMessage): PresentedCertificate {
    const socket = request.socket as TLSSocket;
    if (socket.encrypted) {
      const der = socket.getPeerCertificate?.(false)?.raw;
      if (der && der.length > 0) return { certificate: new ClientCertificate(der, 'tls') };
    }
    const forwarded = request.headers[CLIENT_CERT_HEADER];
    if (forwarded === undefined || forwarded === '') return {};
    if (!this.fromTrustedProxy(request)) return { problem: 'header_from_untrusted_address' };
    const der = typeof forwarded === 'string' ? derOfForwarded(forwarded) : undefined;
    if (!der) return { problem: 'header_malformed' };
    return { certificate: new ClientCertificate(der, 'proxy') };
  }
}

/** The DER of a URL-encoded PEM certificate, or undefined when it is not one. */
export function derOfForwarded(value: string): Buffer | undefined {
  if (value.length > MAX_FORWARDED_CERT_CHARS) return undefined;
  let pem: string;
  try {
    pem = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  const body = PEM_BODY.exec(pem)?.[1];
  if (!body) return undefined;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  return der.length > 0 ? der : undefined;
}

/** Whether the nearest peer (hop 0) is a proxy TRUST_PROXY trusts. */
export function trustOfNearestPeer(setting: TrustProxySetting): (address: string) => boolean {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  if (typeof setting === 'number') return () => setting > 0;
  const trust = proxyAddr.compile(setting);
  return (address) => address !== '' && trust(address, 0);
}
