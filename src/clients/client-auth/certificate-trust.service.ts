import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate as ParsedCertificate,
  X509Crl,
} from '@peculiar/x509';
import { X509Certificate } from 'node:crypto';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';

/** One CA of TLS_CLIENT_CA_FILE, in both parsers' forms. */
interface Authority {
  x509: X509Certificate;
  parsed: ParsedCertificate;
  /** The revocation lists it signed (TLS_CLIENT_CRL_FILE), checked at start. */
  crls: X509Crl[];
}

/** How many CAs a path may climb through (the leaf's issuer included). */
const MAX_PATH = 8;

/**
 * The CAs of `tls_client_auth` (RFC 8705 §2.1) and their revocation lists: validates a client
 * certificate's path to a CA of TLS_CLIENT_CA_FILE (RFC 5280 §6, the parts a leaf-only path
 * needs). Every CA in the file is a trust anchor; the path climbs on through the file while a
 * CA's own issuer is there too, so the dates, constraints and CRLs of those CAs count as well.
 */
@Injectable()
export class CertificateTrust implements OnModuleInit {
  private authorities: Authority[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Reads the CAs, and refuses to start with a CRL that none of them signed. */
  async onModuleInit(): Promise<void> {
    this.authorities = this.config.tls.clientCas.map((pem) => ({
      x509: new X509Certificate(pem),
      parsed: new ParsedCertificate(pem),
      crls: [],
    }));
    for (const [i, pem] of this.config.tls.clientCrls.entries()) {
      const crl = new X509Crl(pem);
      let signer: Authority | undefined;
      for (const authority of this.authorities) {
        if (
          authority.parsed.subjectName.toString() === crl.issuerName.toString() &&
          (await crl.verify({ publicKey: authority.parsed }))
        ) {
          signer = authority;
          break;
        }
      }
      if (!signer) {
        throw new Error(
          `TLS_CLIENT_CRL_FILE: CRL ${i + 1} is signed by none of the CAs in TLS_CLIENT_CA_FILE`,
        );
      }
      signer.crls.push(crl);
    }
  }

  /** Whether any CA is configured: without one, tls_client_auth fails for everyone. */
  get configured(): boolean {
    return this.authorities.length > 0;
  }

  /**
   * Why `leaf` has no valid path to a configured CA; or, when it has one, the span of time
   * (epoch ms) the path stays valid: every certificate on it within its dates and every CRL
   * consulted before its nextUpdate. Nothing else it depends on changes while the process runs.
   */
  validate(
    leaf: X509Certificate,
    parsedLeaf: ParsedCertificate,
  ): { problem: string } | { from: number; until: number } {
    if (!this.configured) return { problem: 'no TLS_CLIENT_CA_FILE is configured' };
    const now = this.clock.now();
    const dates = datesProblem(parsedLeaf, now);
    if (dates) return { problem: `the certificate ${dates}` };
    let from = parsedLeaf.notBefore.getTime();
    let until = parsedLeaf.notAfter.getTime();
    let current = { x509: leaf, parsed: parsedLeaf };
    for (let depth = 0; depth < MAX_PATH; depth++) {
      const issuer = this.authorities.find(
        (ca) => current.x509.checkIssued(ca.x509) && current.x509.verify(ca.x509.publicKey),
      );
      if (!issuer) {
        return depth === 0
          ? { problem: 'the certificate is not issued by a configured CA' }
          : { from, until };
      }
      const problem =
        authorityProblem(issuer, depth, now) ?? revocationProblem(issuer, current.parsed, now);
      if (problem) return { problem };
      from = Math.max(from, issuer.parsed.notBefore.getTime());
      until = Math.min(until, issuer.parsed.notAfter.getTime(), ...crlDeadlines(issuer));
      // A self-signed root ends the path.
      if (issuer.x509.checkIssued(issuer.x509)) return { from, until };
      current = issuer;
    }
    return { problem: 'the certificate path is too long' };
  }
}

/** RFC 5280 §4.1.2.5: valid from notBefore to notAfter, both inclusive. */
export function datesProblem(certificate: ParsedCertificate, now: number): string | undefined {
  if (now < certificate.notBefore.getTime()) return 'is not valid yet';
  if (now > certificate.notAfter.getTime()) return 'has expired';
  return undefined;
}

/**
 * RFC 5280 §4.2.1.9 and §4.2.1.3: the CA must be valid now, be a CA with room for the `below`
 * CAs under it, and, when its key usage is given, be allowed to sign certificates.
 */
function authorityProblem(ca: Authority, below: number, now: number): string | undefined {
  const dates = datesProblem(ca.parsed, now);
  if (dates) return `the issuing CA ${dates}`;
  const constraints = ca.parsed.getExtension(BasicConstraintsExtension);
  if (!constraints?.ca) return 'the issuing CA is not a CA (basic constraints)';
  if (constraints.pathLength !== undefined && below > constraints.pathLength) {
    return 'the certificate path is longer than the CA allows (basic constraints)';
  }
  const usage = ca.parsed.getExtension(KeyUsagesExtension);
  if (usage && !(usage.usages & KeyUsageFlags.keyCertSign)) {
    return 'the issuing CA may not sign certificates (key usage)';
  }
  return undefined;
}

/** RFC 5280 §6.3: a certificate its CA's list revokes is refused; so is any, when the list is stale. */
function revocationProblem(
  ca: Authority,
  certificate: ParsedCertificate,
  now: number,
): string | undefined {
  if (ca.crls.length === 0) return undefined;
  const serial = normalSerial(certificate.serialNumber);
  for (const crl of ca.crls) {
    if (crl.nextUpdate && crl.nextUpdate.getTime() < now) {
      return 'the CRL of the issuing CA is past its nextUpdate';
    }
    if (crl.entries.some((entry) => normalSerial(entry.serialNumber) === serial)) {
      return 'the certificate is revoked by its CA';
    }
  }
  return undefined;
}

/** When the CA's lists must be replaced (nextUpdate); a list without one never expires. */
function crlDeadlines(ca: Authority): number[] {
  return ca.crls.flatMap((crl) => (crl.nextUpdate ? [crl.nextUpdate.getTime()] : []));
}

function normalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}
