import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppPassport, AppPassportStrategy } from '../../common/auth/app-passport';
import { ClientCertificateReader } from '../../common/http/client-certificate';
import { auditContext } from '../../events/audit-context';
import { Client } from '../client';
import { ClientAuthenticator } from './client-authenticator.service';
import { presentedCredentials } from './presented-credentials';

/**
 * RFC 8705 §2.1 `tls_client_auth`: the client's certificate, from a configured CA, carries the
 * subject DN or SAN the client registered; the request names the client by `client_id`.
 */
@Injectable()
export class TlsClientAuthStrategy extends AppPassportStrategy(Strategy, 'tls_client_auth') {
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
      'tls_client_auth',
      this.certificates.read(request.raw),
      auditContext(request, { type: 'anonymous' }),
    );
  }
}

/**
 * RFC 8705 §2.2 `self_signed_tls_client_auth`: the certificate's key is one of the client's own
 * keys (its `jwks` or `jwks_uri`); no CA is involved.
 */
@Injectable()
export class SelfSignedTlsClientAuthStrategy extends AppPassportStrategy(
  Strategy,
  'self_signed_tls_client_auth',
) {
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
      'self_signed_tls_client_auth',
      this.certificates.read(request.raw),
      auditContext(request, { type: 'anonymous' }),
    );
  }
}
