import { expect } from 'expect';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  accessTokenClaims,
  clientToken,
  createRole,
  createRule,
  createService,
  expectCheck,
  expectGatewayAllowed,
  expectGatewayDenied,
  signWithServerKey,
  UUID,
} from './support/access';
import { DpopKey, dpopKey, dpopProof, unsignedJws } from './support/dpop';
import { InjectResult, startTestApp, TestApp } from './support/test-app';

/** The public URL of the API behind the gateway, as the gateway names it. */
const API_HOST = 'api.example.com';
const API = `https://${API_HOST}`;
const DPOP_ALGS = 'DPoP algs="ES256 RS256 PS256 EdDSA"';
/** RFC 9449 §7.1: a missing or wrong proof for a token sent with the DPoP scheme. */
const PROOF_CHALLENGE = `${DPOP_ALGS}, error="invalid_dpop_proof"`;
/** A DPoP-bound token sent as Bearer (RFC 9449 §7.2). */
const TOKEN_CHALLENGE = `${DPOP_ALGS}, error="invalid_token"`;

/** A self-signed client certificate made by openssl: its URL-encoded PEM and `x5t#S256`. */
interface Certificate {
  header: string;
  thumbprint: string;
}

function makeCertificates(names: string[]): Certificate[] {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-binding-'));
  try {
    return names.map((name) => {
      const pem = join(dir, `${name}.pem`);
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          pem,
          '-days',
          '1',
          '-subj',
          `/CN=${name}`,
        ],
        { stdio: 'ignore' },
      );
      const text = readFileSync(pem, 'utf8');
      const thumbprint = createHash('sha256')
        .update(new X509Certificate(text).raw)
        .digest('base64url');
      return { header: encodeURIComponent(text), thumbprint };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Style = 'nginx' | 'caddy' | 'envoy';

interface Ask {
  token?: string;
  scheme?: 'DPoP' | 'Bearer';
  proof?: string | string[];
  method?: string;
  uri?: string;
  style?: Style;
  proto?: string;
  host?: string;
  certificate?: string;
  remoteAddress?: string;
}

describe('checkAccess enforces the binding of sender-constrained tokens (RFC 9449 §7, RFC 8705 §3)', () => {
  let sut: TestApp;
  let clientId: string;
  let key: DpopKey;
  let otherKey: DpopKey;
  let bound: string;
  let certificates: Certificate[];

  before(async () => {
    // The tests' requests come from 127.0.0.1: the gateway, a trusted proxy.
    sut = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    await createRule(sut, { path: '/api/**', permission: 'api:use' });
    const role = await createRole(sut, ['api:use']);
    clientId = (await createService(sut, 'api:use', [role])).client_id;
    key = await dpopKey('ES256');
    otherKey = await dpopKey('EdDSA');
    bound = await mint({ jkt: key.jkt });
    certificates = makeCertificates(['client-a', 'client-b']);
  });
  after(() => sut.close());

  /** An access token minted by the server's own signer, bound by `cnf`. */
  function mint(cnf?: Record<string, unknown>): Promise<string> {
    return signWithServerKey(
      sut,
      accessTokenClaims(sut, clientId, { scope: 'api:use', ...(cnf ? { cnf } : {}) }),
    );
  }

  const proofFor = (token: string, options: { htm?: string; htu?: string } = {}) =>
    dpopProof(key, {
      htm: options.htm ?? 'GET',
      htu: options.htu ?? `${API}/api/invoices`,
      accessToken: token,
    });

  /** A forward-auth request as each gateway sends it, with the DPoP header and certificate. */
  function ask(options: Ask): Promise<InjectResult> {
    const {
      token = bound,
      scheme = 'DPoP',
      method = 'GET',
      uri = '/api/invoices?page=2',
      style = 'nginx',
      proto = 'https',
      host = API_HOST,
    } = options;
    const headers: Record<string, string> = { authorization: `${scheme} ${token}` };
    if (options.proof !== undefined) {
      headers.dpop = Array.isArray(options.proof) ? options.proof.join(', ') : options.proof;
    }
    if (options.certificate !== undefined) headers['x-ssl-client-cert'] = options.certificate;
    const remoteAddress = options.remoteAddress;
    switch (style) {
      case 'nginx':
        return sut.request({
          method: 'GET',
          url: '/access/gateway',
          remoteAddress,
          headers: {
            ...headers,
            host: 'gatehouse.internal:3000',
            'x-original-method': method,
            'x-original-uri': uri,
            'x-forwarded-proto': proto,
            'x-forwarded-host': host,
          },
        });
      case 'caddy':
        return sut.request({
          method: 'GET',
          url: '/access/gateway',
          remoteAddress,
          headers: {
            ...headers,
            host,
            'x-forwarded-method': method,
            'x-forwarded-uri': uri,
            'x-forwarded-proto': proto,
            'x-forwarded-host': host,
          },
        });
      case 'envoy':
        // Envoy's ext_authz keeps the original Host and sends X-Forwarded-Proto (allowed_headers).
        return sut.request({
          method,
          url: `/access/gateway${uri}`,
          remoteAddress,
          headers: { ...headers, host, 'x-forwarded-proto': proto },
        });
    }
  }

  const allowed = (response: InjectResult) =>
    expectGatewayAllowed(response, { sub: clientId, clientId, scope: 'api:use' });

  /** 401 binding_mismatch with the challenge RFC 9449 §7.1 asks for. */
  function mismatch(response: InjectResult, challenge = PROOF_CHALLENGE) {
    expectGatewayDenied(response, 'binding_mismatch', challenge);
  }

  describe('a DPoP-bound token (cnf.jkt) at the gateway', () => {
    it('is allowed with a proof for the original method and URL, on each gateway form', async () => {
      for (const style of ['nginx', 'caddy', 'envoy'] as Style[]) {
        for (const method of ['GET', 'DELETE']) {
          const proof = await proofFor(bound, { htm: method });
          allowed(await ask({ style, method, proof }));
        }
      }
    });

    it('compares scheme and host case-insensitively, without a default port, query or fragment', async () => {
      for (const htu of [
        `HTTPS://API.Example.COM/api/invoices`,
        `https://${API_HOST}:443/api/invoices`,
        `${API}/api/invoices?page=2#top`,
      ]) {
        allowed(await ask({ proof: await proofFor(bound, { htu }) }));
      }
      allowed(await ask({ proof: await proofFor(bound), host: 'API.EXAMPLE.COM', proto: 'HTTPS' }));
    });

    it('judges the rule first: a bound token with a good proof is still denied what it may not do', async () => {
      const proof = await proofFor(bound, { htu: `${API}/other` });
      expectGatewayDenied(await ask({ proof, uri: '/other' }), 'no_matching_rule');
    });

    it('denies it without a proof', async () => {
      mismatch(await ask({}));
    });

    it('denies it sent as Bearer, with or without a proof (RFC 9449 §7.2)', async () => {
      mismatch(await ask({ scheme: 'Bearer' }), TOKEN_CHALLENGE);
      mismatch(await ask({ scheme: 'Bearer', proof: await proofFor(bound) }), TOKEN_CHALLENGE);
    });

    it('denies a proof for another method', async () => {
      mismatch(await ask({ method: 'GET', proof: await proofFor(bound, { htm: 'POST' }) }));
      mismatch(await ask({ method: 'GET', proof: await proofFor(bound, { htm: 'get' }) }));
    });

    it('denies a proof for another URI, another host or another scheme', async () => {
      for (const htu of [
        `${API}/api/other`,
        `${API}/api/invoices/`,
        `${API}/API/invoices`,
        `https://evil.example.com/api/invoices`,
        `http://${API_HOST}/api/invoices`,
        `https://${API_HOST}:8443/api/invoices`,
        '/api/invoices',
      ]) {
        mismatch(await ask({ proof: await proofFor(bound, { htu }) }));
      }
      // The proof was right, the request another: the gateway named another host or scheme.
      mismatch(await ask({ proof: await proofFor(bound), host: 'evil.example.com' }));
      mismatch(await ask({ proof: await proofFor(bound), proto: 'http' }));
    });

    it('denies a proof for another token (ath), or with none', async () => {
      const other = await mint({ jkt: key.jkt });
      mismatch(await ask({ proof: await proofFor(other) }));
      const noAth = await dpopProof(key, { htm: 'GET', htu: `${API}/api/invoices` });
      mismatch(await ask({ proof: noAth }));
    });

    it('denies a proof by another key than the one the token is bound to', async () => {
      const proof = await dpopProof(otherKey, {
        htm: 'GET',
        htu: `${API}/api/invoices`,
        accessToken: bound,
      });
      mismatch(await ask({ proof }));
    });

    it('denies a replayed proof (the same jti by the same key), on any surface', async () => {
      const proof = await proofFor(bound);
      allowed(await ask({ proof }));
      mismatch(await ask({ proof }));
      mismatch(await ask({ proof, style: 'caddy' }));
    });

    it('denies a proof too old or from too far in the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const iat of [now - 120, now + 120]) {
        const proof = await dpopProof(key, {
          htm: 'GET',
          htu: `${API}/api/invoices`,
          accessToken: bound,
          iat,
        });
        mismatch(await ask({ proof }));
      }
    });

    it('denies a proof signed with none or an HMAC, or with typ other than dpop+jwt', async () => {
      const claims = {
        htm: 'GET',
        htu: `${API}/api/invoices`,
        iat: Math.floor(Date.now() / 1000),
        jti: 'x',
      };
      mismatch(
        await ask({ proof: unsignedJws({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk }, claims) }),
      );
      const hs256 = unsignedJws(
        { alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } },
        claims,
        'c2lnbmF0dXJl',
      );
      mismatch(await ask({ proof: hs256 }));
      const jwt = await dpopProof(key, {
        htm: 'GET',
        htu: `${API}/api/invoices`,
        accessToken: bound,
        header: { typ: 'JWT' },
      });
      mismatch(await ask({ proof: jwt }));
    });

    it('denies a proof whose jwk carries the private key', async () => {
      const { exportJWK } = await import('jose');
      const privateJwk = await exportJWK(key.privateKey);
      const proof = await dpopProof(key, {
        htm: 'GET',
        htu: `${API}/api/invoices`,
        accessToken: bound,
        header: { jwk: privateJwk },
      });
      mismatch(await ask({ proof }));
    });

    it('denies two DPoP headers, even when one is good', async () => {
      const good = await proofFor(bound);
      mismatch(await ask({ proof: [good, await proofFor(bound)] }));
      // The good one was not spent.
      allowed(await ask({ proof: good }));
    });

    it('denies a token without cnf sent with the DPoP scheme, and takes it as Bearer', async () => {
      const plain = await mint();
      mismatch(await ask({ token: plain, proof: await proofFor(plain) }));
      allowed(await ask({ token: plain, scheme: 'Bearer' }));
    });

    it('denies a cnf it cannot check (another confirmation method)', async () => {
      const jwk = await mint({ jwk: key.jwk });
      mismatch(
        await ask({ token: jwk, scheme: 'Bearer' }),
        'Bearer realm="gatehouse", error="invalid_token"',
      );
      const both = await mint({ jkt: key.jkt, kid: 'k1' });
      mismatch(await ask({ token: both, proof: await proofFor(both) }));
    });
  });

  describe('DPOP_DECISION_WINDOW', () => {
    it('narrows how old a proof may be at the decisions', async () => {
      const narrow = await startTestApp({ TRUST_PROXY: '127.0.0.1', DPOP_DECISION_WINDOW: '5' });
      try {
        await createRule(narrow, { path: '/api/**', permission: 'api:use' });
        const role = await createRole(narrow, ['api:use']);
        const id = (await createService(narrow, 'api:use', [role])).client_id;
        const token = await signWithServerKey(
          narrow,
          accessTokenClaims(narrow, id, { scope: 'api:use', cnf: { jkt: key.jkt } }),
        );
        const aged = (ageS: number) =>
          dpopProof(key, {
            htm: 'GET',
            htu: `${API}/api/invoices`,
            accessToken: token,
            iat: Math.floor(Date.now() / 1000) - ageS,
          });
        const askNarrow = async (ageS: number) =>
          narrow.request({
            method: 'GET',
            url: '/access/gateway',
            headers: {
              authorization: `DPoP ${token}`,
              dpop: await aged(ageS),
              'x-original-method': 'GET',
              'x-original-uri': '/api/invoices',
              'x-forwarded-proto': 'https',
              'x-forwarded-host': API_HOST,
            },
          });
        expectGatewayAllowed(await askNarrow(1), { sub: id, clientId: id, scope: 'api:use' });
        mismatch(await askNarrow(20));
        // The same age passes the default window of 60 s.
        const proof = await dpopProof(key, {
          htm: 'GET',
          htu: `${API}/api/invoices`,
          accessToken: bound,
          iat: Math.floor(Date.now() / 1000) - 20,
        });
        allowed(await ask({ proof }));
      } finally {
        await narrow.close();
      }
    });
  });

  describe('a DPoP-bound token at POST /access/check (the proof is for the check request itself)', () => {
    const CHECK_URL = 'http://localhost:3000/access/check';

    function checkWith(
      token: string,
      proof: string | undefined,
      headers: Record<string, string> = {},
      remoteAddress?: string,
    ) {
      return sut.request({
        method: 'POST',
        url: '/access/check',
        remoteAddress,
        headers: {
          host: 'localhost:3000',
          'content-type': 'application/json',
          authorization: `DPoP ${token}`,
          ...(proof ? { dpop: proof } : {}),
          ...headers,
        },
        payload: { resource: 'api', action: 'use' },
      });
    }
    const ok = { allowed: true, reason: 'allowed', sub: '', client_id: '', scope: 'api:use' };
    const denied = {
      allowed: false,
      reason: 'binding_mismatch',
      sub: null,
      client_id: null,
      scope: null,
    };

    it('allows it with a proof for POST and the check URL', async () => {
      const proof = await proofFor(bound, { htm: 'POST', htu: CHECK_URL });
      expectCheck(await checkWith(bound, proof), { ...ok, sub: clientId, client_id: clientId });
    });

    it('believes X-Forwarded-Proto and -Host from a trusted proxy only', async () => {
      const publicUrl = 'https://auth.example.com/access/check';
      const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'auth.example.com' };
      const proof = await proofFor(bound, { htm: 'POST', htu: publicUrl });
      expectCheck(await checkWith(bound, proof, forwarded), {
        ...ok,
        sub: clientId,
        client_id: clientId,
      });
      const again = await proofFor(bound, { htm: 'POST', htu: publicUrl });
      expectCheck(await checkWith(bound, again, forwarded, '203.0.113.7'), denied);
    });

    it('denies it without a proof, as Bearer, for another method or URL, or replayed', async () => {
      expectCheck(await checkWith(bound, undefined), denied);
      const proof = await proofFor(bound, { htm: 'POST', htu: CHECK_URL });
      expectCheck(
        await sut.request({
          method: 'POST',
          url: '/access/check',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${bound}`,
            dpop: proof,
          },
          payload: { resource: 'api', action: 'use' },
        }),
        denied,
      );
      for (const other of [
        await proofFor(bound, { htm: 'GET', htu: CHECK_URL }),
        await proofFor(bound, { htm: 'POST', htu: `${API}/api/invoices` }),
      ]) {
        expectCheck(await checkWith(bound, other), denied);
      }
      const once = await proofFor(bound, { htm: 'POST', htu: CHECK_URL });
      expectCheck(await checkWith(bound, once), { ...ok, sub: clientId, client_id: clientId });
      expectCheck(await checkWith(bound, once), denied);
    });
  });

  describe('a certificate-bound token (cnf["x5t#S256"])', () => {
    let certBound: string;
    before(async () => {
      certBound = await mint({ 'x5t#S256': certificates[0].thumbprint });
    });
    const BEARER_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token"';

    it('is allowed with its certificate forwarded by a trusted proxy, on each gateway form', async () => {
      for (const style of ['nginx', 'caddy', 'envoy'] as Style[]) {
        allowed(
          await ask({
            token: certBound,
            scheme: 'Bearer',
            style,
            certificate: certificates[0].header,
          }),
        );
      }
    });

    it('is denied with another certificate, none, or one forged from an untrusted address', async () => {
      mismatch(
        await ask({ token: certBound, scheme: 'Bearer', certificate: certificates[1].header }),
        BEARER_CHALLENGE,
      );
      mismatch(await ask({ token: certBound, scheme: 'Bearer' }), BEARER_CHALLENGE);
      mismatch(
        await ask({
          token: certBound,
          scheme: 'Bearer',
          certificate: certificates[0].header,
          remoteAddress: '203.0.113.7',
        }),
        BEARER_CHALLENGE,
      );
      mismatch(
        await ask({ token: certBound, scheme: 'Bearer', certificate: 'not%20a%20certificate' }),
        BEARER_CHALLENGE,
      );
    });

    it('is decided the same way at /access/check', async () => {
      const checkAs = (certificate?: string, remoteAddress?: string) =>
        sut.request({
          method: 'POST',
          url: '/access/check',
          remoteAddress,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${certBound}`,
            ...(certificate ? { 'x-ssl-client-cert': certificate } : {}),
          },
          payload: { resource: 'api', action: 'use' },
        });
      expectCheck(await checkAs(certificates[0].header), {
        allowed: true,
        reason: 'allowed',
        sub: clientId,
        client_id: clientId,
        scope: 'api:use',
      });
      const denied = {
        allowed: false,
        reason: 'binding_mismatch',
        sub: null,
        client_id: null,
        scope: null,
      };
      expectCheck(await checkAs(certificates[1].header), denied);
      expectCheck(await checkAs(), denied);
      expectCheck(await checkAs(certificates[0].header, '203.0.113.7'), denied);
    });

    it('with both bindings, needs both the certificate and the proof', async () => {
      const both = await mint({ jkt: key.jkt, 'x5t#S256': certificates[0].thumbprint });
      const proof = await proofFor(both);
      mismatch(await ask({ token: both, proof }));
      allowed(await ask({ token: both, proof, certificate: certificates[0].header }));
      mismatch(await ask({ token: both, certificate: certificates[0].header }));
    });
  });

  describe('the Bearer-only APIs', () => {
    it('AuthZEN refuses a sender-constrained token as the caller’s credential', async () => {
      const role = await createRole(sut, ['iam:check']);
      const pep = await createService(sut, 'iam:check', [role]);
      const plain = await clientToken(sut, pep);
      const claims = JSON.parse(Buffer.from(plain.split('.')[1], 'base64url').toString());
      const boundPep = await signWithServerKey(sut, {
        ...claims,
        jti: `${claims.jti}-b`,
        cnf: { jkt: key.jkt },
      });
      const body = {
        subject: { type: 'client', id: clientId },
        action: { name: 'use' },
        resource: { type: 'api', id: '1' },
      };
      const evaluate = (token: string) =>
        sut.request({
          method: 'POST',
          url: '/access/v1/evaluation',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: body,
        });
      const good = await evaluate(plain);
      expect(good.statusCode).toBe(200);
      expect(good.json()).toEqual({
        decision: true,
        context: { reason: 'allowed', decision_id: expect.stringMatching(UUID) },
      });
      // The same refusal as any token that is no Bearer token for the admin API (RFC 6750 §3.1).
      const refused = await evaluate(boundPep);
      const garbage = await evaluate('garbage');
      expect(garbage.statusCode).toBe(401);
      expect(garbage.json().error).toBe('invalid_token');
      expect({
        status: refused.statusCode,
        body: refused.json(),
        challenge: refused.headers['www-authenticate'],
      }).toEqual({
        status: 401,
        body: garbage.json(),
        challenge: garbage.headers['www-authenticate'],
      });
    });
  });
});
