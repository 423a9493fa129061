import 'reflect-metadata';
import {
  BasicConstraintsExtension,
  JsonGeneralName,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509Certificate,
  X509CertificateGenerator,
  X509CrlGenerator,
} from '@peculiar/x509';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** A certificate the tests made, with its private key (PEM both). */
export interface TestCertificate {
  pem: string;
  keyPem: string;
  cert: X509Certificate;
  keys: CryptoKeyPair;
  /** X-SSL-Client-Cert as nginx's `$ssl_client_escaped_cert` sends it. */
  header: string;
}

let serial = 0x1000;
function nextSerial(): string {
  serial += 1;
  return serial.toString(16).padStart(4, '0');
}

async function keyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function finish(cert: X509Certificate, keys: CryptoKeyPair): Promise<TestCertificate> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  const pem = `${cert.toString('pem')}\n`;
  return { pem, keyPem, cert, keys, header: encodeURIComponent(pem) };
}

/** A self-signed CA (cA=TRUE, keyCertSign and cRLSign). */
export async function makeCa(subject: string): Promise<TestCertificate> {
  const keys = await keyPair();
  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new BasicConstraintsExtension(true, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    ],
  });
  return finish(cert, keys);
}

export interface LeafOptions {
  /** Subject alternative names of the certificate. */
  san?: JsonGeneralName[];
  notBefore?: Date;
  notAfter?: Date;
  /** Issue a CA (an intermediate) rather than an end-entity certificate. */
  ca?: boolean;
}

/** A certificate issued by `issuer`; valid from a day ago for a week unless told otherwise. */
export async function issue(
  issuer: TestCertificate,
  subject: string,
  options: LeafOptions = {},
): Promise<TestCertificate> {
  const keys = await keyPair();
  const extensions = [
    new BasicConstraintsExtension(options.ca ?? false, undefined, true),
    ...(options.ca
      ? [new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true)]
      : [new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true)]),
    ...(options.san ? [new SubjectAlternativeNameExtension(options.san)] : []),
  ];
  const cert = await X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject,
    issuer: issuer.cert.subject,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 7 * DAY),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  return finish(cert, keys);
}

/** A self-signed end-entity certificate (self_signed_tls_client_auth, RFC 8705 §2.2). */
export async function selfSigned(subject: string): Promise<TestCertificate> {
  const keys = await keyPair();
  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 7 * DAY),
    keys,
    signingAlgorithm: ALGORITHM,
  });
  return finish(cert, keys);
}

/** A CRL by `issuer` that revokes `revoked`, valid for a week. */
export async function crlOf(issuer: TestCertificate, revoked: TestCertificate[]): Promise<string> {
  const crl = await X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate: new Date(Date.now() - DAY),
    nextUpdate: new Date(Date.now() + 7 * DAY),
    entries: revoked.map((cert) => ({
      serialNumber: cert.cert.serialNumber,
      revocationDate: new Date(Date.now() - 3600_000),
    })),
    signingAlgorithm: ALGORITHM,
    signingKey: issuer.keys.privateKey,
  });
  // RFC 7468 §5: the label of a CRL is X509 CRL, as openssl writes it.
  return `${crl.toString('pem').replace(/-----(BEGIN|END) CRL-----/g, '-----$1 X509 CRL-----')}\n`;
}

/** The public JWK of a certificate's key, with the certificate as `x5c` (RFC 7517 §4.7). */
export async function jwkOf(certificate: TestCertificate): Promise<Record<string, unknown>> {
  const jwk = await webcrypto.subtle.exportKey('jwk', certificate.keys.publicKey);
  return {
    kty: jwk.kty,
    crv: jwk.crv,
    x: jwk.x,
    y: jwk.y,
    x5c: [Buffer.from(certificate.cert.rawData).toString('base64')],
  };
}

/** Writes `files` into a fresh temporary directory; returns their paths by name. */
export function writeTemporary(files: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pki-'));
  return Object.fromEntries(
    Object.entries(files).map(([name, content]) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return [name, path];
    }),
  );
}
