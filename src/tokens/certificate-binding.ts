import { Client } from '../clients/client';
import { InvalidRequestError } from '../common/oauth-error';
import { PresentedCertificate } from '../common/http/client-certificate';

/** RFC 8705 §3.1: the confirmation member of a certificate-bound token. */
export const X5T_S256 = 'x5t#S256';

/**
 * RFC 8705 §3: the certificate thumbprint the access tokens of this /token request are bound to,
 * for a client registered with `tls_client_certificate_bound_access_tokens` (§3.4), from the
 * certificate of the connection or of a trusted proxy's X-SSL-Client-Cert. Such a client without
 * a certificate gets `invalid_request`, rather than a token its resource servers would take as a
 * plain Bearer token (docs/mtls.md).
 */
export function certificateBinding(
  client: Client,
  read: () => PresentedCertificate,
): string | undefined {
  if (!client.tlsClientCertificateBoundAccessTokens) return undefined;
  // Read only for such a client: every other token request skips the header.
  const presented = read();
  if (!presented.certificate) {
    throw new InvalidRequestError(
      'this client’s access tokens are bound to its TLS client certificate; present one (RFC 8705 §3)',
    );
  }
  return presented.certificate.thumbprint();
}

/** The `cnf.x5t#S256` of verified token claims, if the token is certificate-bound. */
export function boundThumbprint(payload: Record<string, unknown>): string | undefined {
  const cnf = payload.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const x5t = (cnf as Record<string, unknown>)[X5T_S256];
  return typeof x5t === 'string' ? x5t : undefined;
}
