import { Injectable } from '@nestjs/common';
import {
  GeneralName,
  SubjectAlternativeNameExtension,
  X509Certificate as ParsedCertificate,
} from '@peculiar/x509';
import { calculateJwkThumbprint, JSONWebKeySet, JWK } from 'jose';
import { X509Certificate } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { ClientCertificate } from '../../common/http/client-certificate';
import { Clock } from '../../common/clock';
import { RegisteredClient } from '../client';
import { CertificateTrust, datesProblem } from './certificate-trust.service';
import {
  DistinguishedName,
  parseDistinguishedName,
  sameDistinguishedName,
  subjectOfCertificate,
} from './distinguished-name';
import { JwksFetcher } from './jwks-fetcher.service';

/** A certificate in both parsers' forms: Node's for the path, @peculiar/x509's for names. */
interface Parsed {
  x509: X509Certificate;
  parsed: ParsedCertificate;
}

/** What a tls_client_auth certificate with a valid path says, while the path stays valid. */
interface Verified {
  from: number;
  until: number;
  subject: DistinguishedName;
  names: Array<{ type: string; value: string }>;
}

/** Certificates remembered after a valid path (an m2m client presents the same one each time). */
const MAX_VERIFIED = 1000;

/**
 * RFC 8705 §2: whether a client certificate authenticates a client registered for
 * `tls_client_auth` (§2.1: a valid path to a configured CA, then the one registered subject) or
 * `self_signed_tls_client_auth` (§2.2: its key is one of the client's keys). Answers why not,
 * for the audit log; never the certificate itself.
 */
@Injectable()
export class CertificateAuthentication {
  /**
   * tls_client_auth certificates whose path validated, by `x5t#S256` (SHA-256 of the DER, so
   * another certificate cannot take an entry's place), until the path stops being valid. A
   * refused certificate is never remembered.
   */
  private readonly verified = new Map<string, Verified>();

  constructor(
    private readonly trust: CertificateTrust,
    private readonly fetcher: JwksFetcher,
    private readonly clock: Clock,
  ) {}

  async problem(
    client: RegisteredClient,
    certificate: ClientCertificate,
  ): Promise<string | undefined> {
    if (client.tokenEndpointAuthMethod === 'tls_client_auth') {
      const verified = this.verifiedPath(certificate);
      return 'problem' in verified ? verified.problem : subjectProblem(client, verified);
    }
    let parsed: Parsed;
    try {
      parsed = { x509: certificate.x509(), parsed: new ParsedCertificate(certificate.der) };
    } catch {
      return 'the client certificate does not parse';
    }
    if (client.tokenEndpointAuthMethod === 'self_signed_tls_client_auth') {
      const dates = datesProblem(parsed.parsed, this.clock.now());
      if (dates) return `the certificate ${dates}`;
      return this.keyProblem(client, parsed.x509);
    }
    return `registered for ${client.tokenEndpointAuthMethod}`;
  }

  /** RFC 8705 §2.1: the certificate's path to a configured CA, remembered while it holds. */
  private verifiedPath(certificate: ClientCertificate): Verified | { problem: string } {
    const key = certificate.thumbprint();
    const now = this.clock.now();
    const known = this.verified.get(key);
    if (known && now >= known.from && now <= known.until) return known;
    this.verified.delete(key);
    let parsed: Parsed;
    try {
      parsed = { x509: certificate.x509(), parsed: new ParsedCertificate(certificate.der) };
    } catch {
      return { problem: 'the client certificate does not parse' };
    }
    const path = this.trust.validate(parsed.x509, parsed.parsed);
    if ('problem' in path) return path;
    let subject: DistinguishedName;
    try {
      subject = subjectOfCertificate(parsed.parsed.subjectName.toArrayBuffer());
    } catch {
      return { problem: 'the certificate subject does not parse' };
    }
    const verified = { ...path, subject, names: sanOf(parsed.parsed) };
    if (this.verified.size >= MAX_VERIFIED) {
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(key, verified);
    return verified;
  }

  /** RFC 8705 §2.2: the certificate's public key is one the client registered. */
  private async keyProblem(
    client: RegisteredClient,
    certificate: X509Certificate,
  ): Promise<string | undefined> {
    const thumbprint = await calculateJwkThumbprint(
      certificate.publicKey.export({ format: 'jwk' }) as JWK,
    ).catch(() => undefined);
    if (!thumbprint) return 'the certificate key is of an unsupported type';
    const holds = async (set: JSONWebKeySet) => (await thumbprints(set)).has(thumbprint);
    if (client.jwks) {
      return (await holds(client.jwks)) ? undefined : 'the certificate key is not in the jwks';
    }
    if (!client.jwksUri) return 'the client has neither jwks nor jwks_uri';
    try {
      if (await holds(await this.fetcher.keySet(client.jwksUri))) return undefined;
      const refetched = await this.fetcher.refetched(client.jwksUri);
      if (refetched && (await holds(refetched))) return undefined;
      return 'the certificate key is not in the set at jwks_uri';
    } catch {
      return 'the set at jwks_uri could not be fetched';
    }
  }
}

/** RFC 7638 thumbprints of a set's keys, and of the certificates in their `x5c`. */
async function thumbprints(set: JSONWebKeySet): Promise<Set<string>> {
  const found = new Set<string>();
  for (const key of set.keys ?? []) {
    const own = await calculateJwkThumbprint(key).catch(() => undefined);
    if (own) found.add(own);
    const first = Array.isArray(key.x5c) ? key.x5c[0] : undefined;
    if (typeof first !== 'string') continue;
    try {
      const x5c = new X509Certificate(Buffer.from(first, 'base64'));
      found.add(await calculateJwkThumbprint(x5c.publicKey.export({ format: 'jwk' })));
    } catch {
      // An x5c that is not a certificate matches nothing.
    }
  }
  return found;
}

/** RFC 8705 §2.1.2: the certificate must carry the one subject the client registered. */
function subjectProblem(client: RegisteredClient, certificate: Verified): string | undefined {
  if (client.tlsClientAuthSubjectDn !== null) {
    const registered = parseDistinguishedName(client.tlsClientAuthSubjectDn);
    return registered && sameDistinguishedName(registered, certificate.subject)
      ? undefined
      : 'the certificate subject DN is not the registered one';
  }
  const names = certificate.names;
  const match = (
    type: string,
    registered: string | null,
    same: (a: string, b: string) => boolean,
  ) =>
    registered !== null && names.some((name) => name.type === type && same(registered, name.value));
  if (
    match('dns', client.tlsClientAuthSanDns, (a, b) => a.toLowerCase() === b.toLowerCase()) ||
    match('url', client.tlsClientAuthSanUri, (a, b) => a === b) ||
    match('ip', client.tlsClientAuthSanIp, sameAddress) ||
    match('email', client.tlsClientAuthSanEmail, sameMailbox)
  ) {
    return undefined;
  }
  return 'the certificate has no subject alternative name matching the registered one';
}

function sanOf(certificate: ParsedCertificate): Array<{ type: string; value: string }> {
  try {
    const extension = certificate.getExtension(SubjectAlternativeNameExtension);
    return (extension?.names.items ?? []).map((name: GeneralName) => ({
      type: name.type,
      value: name.value,
    }));
  } catch {
    return [];
  }
}

/** The same IP address, however it is written (IPv6 zero compression, RFC 5952). */
function sameAddress(registered: string, presented: string): boolean {
  const family = isIP(registered);
  if (family === 0 || isIP(presented) !== family) return false;
  const list = new BlockList();
  list.addAddress(registered, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(presented, family === 4 ? 'ipv4' : 'ipv6');
}

/** RFC 5280 §7.5: the local part compares exactly, the domain case-insensitively. */
function sameMailbox(registered: string, presented: string): boolean {
  const at = registered.lastIndexOf('@');
  const other = presented.lastIndexOf('@');
  return (
    at > 0 &&
    other > 0 &&
    registered.slice(0, at) === presented.slice(0, other) &&
    registered.slice(at + 1).toLowerCase() === presented.slice(other + 1).toLowerCase()
  );
}
