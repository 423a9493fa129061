import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppPassport, AppPassportStrategy } from '../../common/auth/app-passport';
import { ClientCertificateReader } from '../../common/http/client-certificate';
import { auditContext } from '../../events/audit-context';
import { Client } from '../client';
import { ClientAuthenticator } from './client-authenticator.service';
import { presentedCredentials } from './presented-credentials';

/** The Passport strategy of one certificate method: the request's certificate, judged by `method`. */
function CertificateStrategy(method: 'tls_client_auth' | 'self_signed_tls_client_auth') {
  @Injectable()
  class Certificate extends AppPassportStrategy(Strategy, method) {
    constructor(
      passport: AppPassport,
      private readonly authenticator: ClientAuthenticator,
      private readonly certificates: ClientCertificateReader,
    ) {
      super(passport);
    }

    validate(request: FastifyRequest): Promise<Client> {
      return this.authenticator.withCertificate(
        presentedCredentials(request),
        method,
        this.certificates.read(request.raw),
        auditContext(request, { type: 'anonymous' }),
      );
    }
  }
  return Certificate;
}

/**
 * RFC 8705 §2.1 `tls_client_auth`: the client's certificate, from a configured CA, carries the
 * subject DN or SAN the client registered; the request names the client by `client_id`.
 */
@Injectable()
export class TlsClientAuthStrategy extends CertificateStrategy('tls_client_auth') {}

/**
 * RFC 8705 §2.2 `self_signed_tls_client_auth`: the certificate's key is one of the client's own
 * keys (its `jwks` or `jwks_uri`); no CA is involved.
 */
@Injectable()
export class SelfSignedTlsClientAuthStrategy extends CertificateStrategy(
  'self_signed_tls_client_auth',
) {}
