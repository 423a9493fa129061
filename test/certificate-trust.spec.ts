import 'reflect-metadata';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate as ParsedCertificate,
  X509CertificateGenerator,
  X509CrlGenerator,
} from '@peculiar/x509';
import { expect } from 'expect';
import { webcrypto, X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { CertificateTrust } from '../src/clients/client-auth/certificate-trust.service';
import { AppConfig } from '../src/config/app-config';
import { crlOf, issue, makeCa, TestCertificate } from './support/certificates';
import { TestClock } from './support/clock';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

async function trustOf(cas: TestCertificate[], crls: string[] = []): Promise<CertificateTrust> {
  const config = {
    tls: { clientCas: cas.map((ca) => ca.pem.trim()), clientCrls: crls },
  } as unknown as AppConfig;
  const trust = new CertificateTrust(config, new TestClock());
  await trust.onModuleInit();
  return trust;
}

function problemOf(trust: CertificateTrust, leaf: TestCertificate): string | undefined {
  const result = trust.validate(new X509Certificate(leaf.pem), new ParsedCertificate(leaf.pem));
  return 'problem' in result ? result.problem : undefined;
}

/** A CA issued by `issuer` with chosen constraints (what the helpers do not make). */
async function subordinate(
  issuer: TestCertificate,
  subject: string,
  options: { pathLength?: number; usages?: number; ca?: boolean },
): Promise<TestCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await X509CertificateGenerator.create({
    subject,
    issuer: issuer.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new BasicConstraintsExtension(options.ca ?? true, options.pathLength, true),
      new KeyUsagesExtension(options.usages ?? KeyUsageFlags.keyCertSign, true),
    ],
  });
  const pem = `${cert.toString('pem')}\n`;
  return { pem, keyPem: '', cert, keys, header: encodeURIComponent(pem) };
}

describe('CertificateTrust (RFC 5280 §6 for a client certificate, RFC 8705 §2.1)', () => {
  let root: TestCertificate;
  before(async () => {
    root = await makeCa('O=Example, CN=Root');
  });

  it('follows a path through an intermediate in the bundle up to the root', async () => {
    const intermediate = await subordinate(root, 'O=Example, CN=Intermediate', {});
    const leaf = await issue(intermediate, 'O=Example, CN=client');
    expect(problemOf(await trustOf([root, intermediate]), leaf)).toBeUndefined();
    // The intermediate alone is a trust anchor too.
    expect(problemOf(await trustOf([intermediate]), leaf)).toBeUndefined();
    // Without it, the leaf's issuer is unknown.
    expect(problemOf(await trustOf([root]), leaf)).toBe(
      'the certificate is not issued by a configured CA',
    );
  });

  it('holds CAs to their path length and key usage', async () => {
    const noRoom = await subordinate(root, 'O=Example, CN=No room', { pathLength: 0 });
    const below = await subordinate(noRoom, 'O=Example, CN=Below', {});
    expect(problemOf(await trustOf([noRoom, below]), await issue(below, 'CN=leaf'))).toBe(
      'the certificate path is longer than the CA allows (basic constraints)',
    );
    const signsNothing = await subordinate(root, 'O=Example, CN=CRL only', {
      usages: KeyUsageFlags.cRLSign,
    });
    expect(
      problemOf(await trustOf([root, signsNothing]), await issue(signsNothing, 'CN=leaf')),
      // OpenSSL's issuer check (X509_check_issued, behind checkIssued) already refuses a CA
      // whose key usage lacks keyCertSign: it is no issuer of the leaf at all.
    ).toBe('the certificate is not issued by a configured CA');
  });

  it('refuses what a CRL revokes, and everything while the CRL is stale', async () => {
    const good = await issue(root, 'CN=good');
    const revoked = await issue(root, 'CN=revoked');
    const trust = await trustOf([root], [await crlOf(root, [revoked])]);
    expect(problemOf(trust, good)).toBeUndefined();
    expect(problemOf(trust, revoked)).toBe('the certificate is revoked by its CA');

    const stale = await X509CrlGenerator.create({
      issuer: root.cert.subject,
      thisUpdate: new Date(Date.now() - 10 * DAY),
      nextUpdate: new Date(Date.now() - DAY),
      signingAlgorithm: ALGORITHM,
      signingKey: root.keys.privateKey,
    });
    expect(problemOf(await trustOf([root], [stale.toString('pem')]), good)).toBe(
      'the CRL of the issuing CA is past its nextUpdate',
    );
  });

  it('refuses to start with a CRL none of the CAs signed', async () => {
    const other = await makeCa('O=Elsewhere, CN=Other');
    await expect(trustOf([root], [await crlOf(other, [])])).rejects.toThrow(
      'TLS_CLIENT_CRL_FILE: CRL 1 is signed by none of the CAs in TLS_CLIENT_CA_FILE',
    );
  });

  it('without CAs, refuses every certificate', async () => {
    expect(problemOf(await trustOf([]), await issue(root, 'CN=leaf'))).toBe(
      'no TLS_CLIENT_CA_FILE is configured',
    );
  });
});
