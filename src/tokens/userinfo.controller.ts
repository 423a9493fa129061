import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import {
  bearerChallenge,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
} from '../common/oauth-error';
import { UserDirectory } from '../users/user-directory.service';
import { AccessTokenVerifier } from './access-token.verifier';
import {
  boundJkt,
  dpopChallenge,
  dpopHeader,
  DpopProofVerifier,
  dpopToken,
  InvalidDpopProofError,
} from './dpop/dpop-proof';
import { DpopNonces, USE_DPOP_NONCE_DESCRIPTION, UseDpopNonceError } from './dpop/dpop-nonce';
import { DpopRefusals } from './dpop/dpop-refusals';
import { auditContext } from '../events/audit-context';
import { claimsForScopes } from './user-claims';
import { presentedToken } from './userinfo-token';
import { ErrorShape } from '../common/error-response';
import { ClientCertificateReader } from '../common/http/client-certificate';
import { boundThumbprint } from './certificate-binding';

/** OIDC Core §5.3 UserInfo, with RFC 6750 §3 errors. */
@ApiTags('oauth')
@ApiBearerAuth('bearer')
@ApiHeader({
  name: 'DPoP',
  required: false,
  description: 'RFC 9449 §7.1: the proof that goes with Authorization: DPoP <token>',
})
@ErrorShape('oauth')
@Controller('userinfo')
export class UserinfoController {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly users: UserDirectory,
    private readonly dpop: DpopProofVerifier,
    private readonly nonces: DpopNonces,
    private readonly refusals: DpopRefusals,
    private readonly certificates: ClientCertificateReader,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Claims about the signed-in user (needs scope openid)' })
  @ApiOkResponse()
  @ApiUnauthorizedResponse()
  get(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.userinfo(request, reply);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'The same as GET; the token may instead be the form parameter access_token (RFC 6750 §2.2)',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    required: false,
    schema: { type: 'object', properties: { access_token: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ description: 'The token was sent both in the header and the body' })
  post(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.userinfo(request, reply);
  }

  private async userinfo(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const dpopScheme = dpopToken(request.headers.authorization);
    const token = dpopScheme ?? presentedToken(request);
    if (!token) {
      // RFC 6750 §3.1: no credentials at all gets a bare challenge.
      throw new InvalidRequestError('a Bearer access token is required', undefined, {
        status: 401,
        headers: bearerChallenge(),
      });
    }
    const principal = await this.verifier.verify(token);
    // Verified above, so its claims can be read as they are.
    const claims = decodeJwt(token);
    const jkt = boundJkt(claims);
    // RFC 9449 §9: while nonces are required, answers to the DPoP scheme carry the current one.
    if (dpopScheme) void reply.headers(this.nonces.header());
    try {
      if (dpopScheme) {
        await this.checkProof(request, token, jkt);
      } else if (jkt) {
        // RFC 9449 §7.2: a DPoP-bound token is not a Bearer token.
        throw new InvalidTokenError(undefined, 'a DPoP-bound token presented as Bearer');
      }
    } catch (error) {
      if (
        error instanceof InvalidDpopProofError ||
        error instanceof UseDpopNonceError ||
        error instanceof InvalidTokenError
      ) {
        this.refusals.record(
          auditContext(request, { type: 'client', id: principal.clientId }),
          '/userinfo',
          error,
        );
      }
      throw error;
    }
    // RFC 8705 §3: a certificate-bound token is good only over a connection with that
    // certificate (or from a trusted proxy that forwards it).
    const x5t = boundThumbprint(claims);
    if (x5t && this.certificates.read(request.raw).certificate?.thumbprint() !== x5t) {
      throw new InvalidTokenError(undefined, 'a certificate-bound token without its certificate');
    }
    request.corsClientId = principal.clientId;
    if (!principal.scopes.includes('openid')) throw new InsufficientScopeError('openid');
    const user = await this.users.findActive(principal.sub);
    if (!user) {
      throw new InvalidTokenError(undefined, 'the user is unknown or inactive', {
        headers: bearerChallenge('invalid_token'),
      });
    }
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    return { sub: user.id, ...claimsForScopes(user, principal.scopes) };
  }

  /**
   * RFC 9449 §7.1: the `DPoP` scheme needs one valid proof for this request, with `ath`, by the
   * key the token is bound to; any failure is 401 `invalid_dpop_proof` with a DPoP challenge.
   */
  private async checkProof(
    request: FastifyRequest,
    token: string,
    jkt: string | undefined,
  ): Promise<void> {
    const refuse = (detail: string) =>
      new InvalidDpopProofError('the DPoP proof is invalid', detail, {
        status: 401,
        headers: dpopChallenge('invalid_dpop_proof', 'the DPoP proof is invalid'),
      });
    let proofKey: string;
    try {
      const header = dpopHeader(request);
      if (!header) throw refuse('no DPoP proof');
      proofKey = (
        await this.dpop.verify(header, {
          method: request.method,
          path: '/userinfo',
          accessToken: token,
          // RFC 9449 §9: 401 with the DPoP challenge naming use_dpop_nonce.
          nonce: (nonce) =>
            this.nonces.check(nonce, {
              status: 401,
              headers: dpopChallenge('use_dpop_nonce', USE_DPOP_NONCE_DESCRIPTION),
            }),
        })
      ).jkt;
    } catch (error) {
      if (error instanceof InvalidDpopProofError) {
        throw refuse(error.detail ?? 'invalid');
      }
      throw error;
    }
    if (!jkt || proofKey !== jkt)
      throw refuse('the proof key is not the one the token is bound to');
  }
}
