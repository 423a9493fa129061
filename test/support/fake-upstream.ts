import { exportJWK, generateKeyPair, JWTPayload, SignJWT } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface IssuedToken {
  /** Claims of the next ID token; the defaults make a valid one. */
  claims?: JWTPayload;
  /** Signs with a key that /jwks does not publish (same kid). */
  foreignKey?: boolean;
}

/**
 * A minimal OpenID Provider on 127.0.0.1 for the checks a real one never fails: discovery, a
 * JWKS and a token endpoint that answers with whatever ID token the test asks for, signed with
 * jose. `nextToken` says what the next token request gets.
 */
export class FakeUpstream {
  issuer = '';
  /** The client_id the ID tokens are for unless a test says otherwise. */
  clientId = 'downstream';
  nonce = '';
  nextToken: IssuedToken = {};
  announcesIss = false;
  /** What /userinfo answers (OIDC Core §5.3), if anything; the discovery lists it then. */
  userinfo?: Record<string, unknown>;
  /** Token requests seen (form bodies). */
  readonly tokenRequests: URLSearchParams[] = [];
  /** Their Authorization headers (HTTP Basic client authentication). */
  readonly tokenAuthorizations: string[] = [];
  private server?: Server;
  private keys?: { key: KeyLike; foreign: KeyLike; jwk: object };

  async start(): Promise<this> {
    const [own, foreign] = await Promise.all([
      generateKeyPair('RS256', { extractable: true }),
      generateKeyPair('RS256'),
    ]);
    this.keys = {
      key: own.privateKey,
      foreign: foreign.privateKey,
      jwk: { ...(await exportJWK(own.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' },
    };
    this.server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const json = (status: number, body: object) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        ...(this.announcesIss ? { authorization_response_iss_parameter_supported: true } : {}),
        ...(this.userinfo ? { userinfo_endpoint: `${this.issuer}/userinfo` } : {}),
      });
    }
    if (request.url === '/jwks') return json(200, { keys: [this.keys!.jwk] });
    if (request.url === '/userinfo' && this.userinfo) return json(200, this.userinfo);
    if (request.url === '/token' && request.method === 'POST') {
      let body = '';
      for await (const chunk of request) body += String(chunk);
      this.tokenRequests.push(new URLSearchParams(body));
      this.tokenAuthorizations.push(request.headers.authorization ?? '');
      return json(200, {
        access_token: 'upstream-access-token',
        token_type: 'Bearer',
        expires_in: 300,
        id_token: await this.idToken(),
      });
    }
    json(404, { error: 'not_found' });
  }

  private idToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const { claims = {}, foreignKey = false } = this.nextToken;
    return new SignJWT({
      iss: this.issuer,
      sub: 'fake-subject',
      aud: this.clientId,
      iat: now,
      exp: now + 300,
      nonce: this.nonce,
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
      .sign(foreignKey ? this.keys!.foreign : this.keys!.key);
  }
}
