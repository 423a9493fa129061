import 'reflect-metadata';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { X509Crl } from '@peculiar/x509';

/** The TLS material the settings name, read and checked once at boot (docs/mtls.md). */
export interface TlsSettings {
  /** TLS_CERT_FILE: the server's certificate chain (PEM); with `key`, the listener is HTTPS. */
  readonly certificate?: string;
  /** TLS_KEY_FILE: the server's private key (PEM). */
  readonly key?: string;
  /** TLS_CLIENT_CA_FILE: the CAs of `tls_client_auth` (RFC 8705 §2.1), one PEM each. */
  readonly clientCas: readonly string[];
  /** TLS_CLIENT_CRL_FILE: those CAs' revocation lists (RFC 5280 §5), one PEM each. */
  readonly clientCrls: readonly string[];
}

export interface TlsFileNames {
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  TLS_CLIENT_CA_FILE?: string;
  TLS_CLIENT_CRL_FILE?: string;
}

const PEM_BLOCK = (label: string) =>
  new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g');

/**
 * Reads the TLS files the settings name. Every problem names its setting, so an operator sees
 * which file to fix; `problems` collects them.
 */
export function readTlsFiles(names: TlsFileNames, problems: string[]): TlsSettings {
  const read = (setting: keyof TlsFileNames): string | undefined => {
    const path = names[setting];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${setting}: cannot read ${path} (${code})`);
      return undefined;
    }
  };
  if (Boolean(names.TLS_CERT_FILE) !== Boolean(names.TLS_KEY_FILE)) {
    problems.push('TLS_CERT_FILE: TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  if (names.TLS_CLIENT_CRL_FILE && !names.TLS_CLIENT_CA_FILE) {
    problems.push('TLS_CLIENT_CRL_FILE: needs TLS_CLIENT_CA_FILE (the CAs that sign the lists)');
  }
  const certificate = read('TLS_CERT_FILE');
  const key = read('TLS_KEY_FILE');
  const serverCertificates = certificate ? certificatesOf(certificate) : [];
  if (certificate !== undefined && serverCertificates.length === 0) {
    problems.push('TLS_CERT_FILE: holds no PEM certificate that parses');
  }
  let privateKey: ReturnType<typeof createPrivateKey> | undefined;
  if (key !== undefined) {
    try {
      privateKey = createPrivateKey(key);
    } catch {
      problems.push('TLS_KEY_FILE: holds no PEM private key that parses');
    }
  }
  if (privateKey && serverCertificates[0] && !serverCertificates[0].checkPrivateKey(privateKey)) {
    problems.push('TLS_KEY_FILE: is not the key of the first certificate in TLS_CERT_FILE');
  }

  const clientCas: string[] = [];
  const bundle = read('TLS_CLIENT_CA_FILE');
  if (bundle !== undefined) {
    const blocks = bundle.match(PEM_BLOCK('CERTIFICATE')) ?? [];
    if (blocks.length === 0) problems.push('TLS_CLIENT_CA_FILE: holds no PEM certificate');
    blocks.forEach((pem, i) => {
      let ca: X509Certificate;
      try {
        ca = new X509Certificate(pem);
      } catch {
        problems.push(`TLS_CLIENT_CA_FILE: certificate ${i + 1} does not parse`);
        return;
      }
      // RFC 5280 §4.2.1.9: only a certificate with cA=TRUE may sign others.
      if (!ca.ca) {
        problems.push(`TLS_CLIENT_CA_FILE: certificate ${i + 1} is not a CA (basic constraints)`);
        return;
      }
      clientCas.push(pem);
    });
  }

  const clientCrls: string[] = [];
  const lists = read('TLS_CLIENT_CRL_FILE');
  if (lists !== undefined) {
    const blocks = lists.match(PEM_BLOCK('X509 CRL')) ?? [];
    if (blocks.length === 0) problems.push('TLS_CLIENT_CRL_FILE: holds no PEM CRL');
    blocks.forEach((pem, i) => {
      try {
        new X509Crl(pem);
        clientCrls.push(pem);
      } catch {
        problems.push(`TLS_CLIENT_CRL_FILE: CRL ${i + 1} does not parse`);
      }
    });
  }
  return { certificate, key, clientCas, clientCrls };
}

function certificatesOf(pem: string): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const block of pem.match(PEM_BLOCK('CERTIFICATE')) ?? []) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      return [];
    }
  }
  return certificates;
}
