import { expect } from 'expect';
import https from 'node:https';
import {
  crlOf,
  issue,
  jwkOf,
  makeCa,
  selfSigned,
  TestCertificate,
  writeTemporary,
} from './certificates';
import { freePort } from './free-port';
import { formBody, InjectResult, startTestApp, TestApp } from './test-app';

/** A small PKI for the mutual-TLS tests (RFC 8705), made fresh per suite. */
export interface TestPki {
  ca: TestCertificate;
  /** A CA nobody configured. */
  otherCa: TestCertificate;
  /** The listener's certificate, for 127.0.0.1. */
  server: TestCertificate;
  /** CN=client-a,O=Example (RFC 4514), issued by `ca`. */
  clientA: TestCertificate;
  /** CN=client-b,O=Example with SANs of every type. */
  clientB: TestCertificate;
  expired: TestCertificate;
  notYetValid: TestCertificate;
  revoked: TestCertificate;
  /** client-a's subject, but from `otherCa`. */
  foreign: TestCertificate;
  /** A self-signed certificate for self_signed_tls_client_auth. */
  self: TestCertificate;
  /** Another self-signed certificate with the same subject. */
  selfImpostor: TestCertificate;
  files: Record<string, string>;
}

const DAY = 86_400_000;

export async function makePki(): Promise<TestPki> {
  const ca = await makeCa('O=Example, CN=Test Client CA');
  const otherCa = await makeCa('O=Elsewhere, CN=Other CA');
  const server = await issue(ca, 'CN=127.0.0.1', { san: [{ type: 'ip', value: '127.0.0.1' }] });
  // RFC 4514 lists the RDNs last first: "CN=client-a,O=Example" is the RDNSequence O, CN.
  const clientA = await issue(ca, 'O=Example, CN=client-a');
  const clientB = await issue(ca, 'O=Example, CN=client-b', {
    san: [
      { type: 'dns', value: 'client-b.example.com' },
      { type: 'url', value: 'spiffe://example.com/client-b' },
      { type: 'ip', value: '2001:db8::b' },
      { type: 'email', value: 'client-b@Example.com' },
    ],
  });
  const expired = await issue(ca, 'O=Example, CN=client-a', {
    notBefore: new Date(Date.now() - 10 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  const notYetValid = await issue(ca, 'O=Example, CN=client-a', {
    notBefore: new Date(Date.now() + DAY),
    notAfter: new Date(Date.now() + 10 * DAY),
  });
  const revoked = await issue(ca, 'O=Example, CN=client-a');
  const foreign = await issue(otherCa, 'O=Example, CN=client-a');
  const self = await selfSigned('CN=self-signed client');
  const selfImpostor = await selfSigned('CN=self-signed client');
  const files = writeTemporary({
    'ca.pem': ca.pem,
    'crl.pem': await crlOf(ca, [revoked]),
    'server.pem': server.pem,
    'server.key': server.keyPem,
  });
  return {
    ca,
    otherCa,
    server,
    clientA,
    clientB,
    expired,
    notYetValid,
    revoked,
    foreign,
    self,
    selfImpostor,
    files,
  };
}

/** The settings that trust `pki`'s CA and its CRL. */
export function caSettings(pki: TestPki): Record<string, string> {
  return { TLS_CLIENT_CA_FILE: pki.files['ca.pem'], TLS_CLIENT_CRL_FILE: pki.files['crl.pem'] };
}

/** The mutual-TLS clients of the tests, created through the admin API. */
export interface MtlsClients {
  /** tls_client_auth by subject DN, written with other case and spacing than the certificate. */
  dn: string;
  /** tls_client_auth by DNS SAN. */
  sanDns: string;
  sanUri: string;
  sanIp: string;
  sanEmail: string;
  /** self_signed_tls_client_auth with `self`'s certificate in its jwks. */
  selfSigned: string;
  /** tls_client_auth by DN, with certificate-bound access tokens. */
  bound: string;
}

export async function createMtlsClients(sut: TestApp, pki: TestPki): Promise<MtlsClients> {
  const create = async (metadata: object): Promise<string> => {
    const response = await sut.admin('POST', '/admin/clients', {
      client_name: 'mtls client',
      grant_types: ['client_credentials'],
      scope: 'reports.read',
      ...metadata,
    });
    expect({ status: response.statusCode, body: response.body }).toMatchObject({ status: 201 });
    return response.json().client_id as string;
  };
  const tls = (name: string, value: string) =>
    create({ token_endpoint_auth_method: 'tls_client_auth', [name]: value });
  return {
    dn: await tls('tls_client_auth_subject_dn', 'cn=Client-A,  o=EXAMPLE'),
    sanDns: await tls('tls_client_auth_san_dns', 'CLIENT-B.example.com'),
    sanUri: await tls('tls_client_auth_san_uri', 'spiffe://example.com/client-b'),
    sanIp: await tls('tls_client_auth_san_ip', '2001:db8:0:0:0:0:0:b'),
    sanEmail: await tls('tls_client_auth_san_email', 'client-b@example.COM'),
    selfSigned: await create({
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [await jwkOf(pki.self)] },
    }),
    bound: await create({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-a,O=Example',
      tls_client_certificate_bound_access_tokens: true,
    }),
  };
}

export interface HttpsAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = any>(): T;
}

/** A request over TLS to `origin`, presenting `certificate` when given (node:https). */
export function httpsRequest(
  origin: string,
  pki: TestPki,
  options: {
    method?: string;
    path: string;
    certificate?: TestCertificate;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      `${origin}${options.path}`,
      {
        method: options.method ?? 'GET',
        ca: pki.ca.pem,
        ...(options.certificate
          ? { cert: options.certificate.pem, key: options.certificate.keyPem }
          : {}),
        headers: options.headers,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            statusCode: response.statusCode ?? 0,
            headers: response.headers,
            body,
            json: () => JSON.parse(body),
          });
        });
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** POST /token over TLS with a form. */
export function httpsToken(
  origin: string,
  pki: TestPki,
  form: Record<string, string>,
  certificate?: TestCertificate,
  headers: Record<string, string> = {},
): Promise<HttpsAnswer> {
  return httpsRequest(origin, pki, {
    method: 'POST',
    path: '/token',
    certificate,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: formBody(form),
  });
}

/** The whole application listening with HTTPS at 127.0.0.1 (TLS_CERT_FILE, TLS_KEY_FILE). */
export async function startHttpsApp(
  pki: TestPki,
  env: Record<string, string> = {},
): Promise<{ sut: TestApp; origin: string }> {
  const port = await freePort();
  const origin = `https://127.0.0.1:${port}`;
  const sut = await startTestApp({
    ISSUER: origin,
    TLS_CERT_FILE: pki.files['server.pem'],
    TLS_KEY_FILE: pki.files['server.key'],
    ...caSettings(pki),
    ...env,
  });
  await sut.app.listen(port, '127.0.0.1');
  return { sut, origin };
}

/** POST /token injected with X-SSL-Client-Cert, as a proxy at `ip` would send it. */
export function proxiedToken(
  sut: TestApp,
  form: Record<string, string>,
  certificate: TestCertificate | undefined,
  ip = '127.0.0.1',
): Promise<InjectResult> {
  return sut.app
    .inject({
      method: 'POST',
      url: '/token',
      remoteAddress: ip,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(certificate ? { 'x-ssl-client-cert': certificate.header } : {}),
      },
      payload: formBody(form),
    })
    .then((response) => ({
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.body,
      json: () => JSON.parse(response.body),
    }));
}
