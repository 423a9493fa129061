import { expect } from 'expect';
import { createHash } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { ClientCertificateReader, derOfForwarded } from './client-certificate';

/** A self-signed P-256 certificate (CN=spec), made once with openssl for this test. */
const PEM = `-----BEGIN CERTIFICATE-----
MIIBdDCCARmgAwIBAgIUVGh6LU60qbPep3pVqVY9WZnJX+QwCgYIKoZIzj0EAwIw
DzENMAsGA1UEAwwEc3BlYzAeFw0yNjEyMDIxNDEyNDhaFw0zNjExMjkxNDEyNDha
MA8xDTALBgNVBAMMBHNwZWMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARlLV7i
Z2HKDgelyYQyImsImPcdLK1PXp2Q9USlIqGR8WN/TYSM2F+1+2CKOPuCC6/ptqG4
rjW1mYvVrc7L7gruo1MwUTAdBgNVHQ4EFgQUcGkKkyo+Zy/EHQGTj3qzU1eDFb8w
HwYDVR0jBBgwFoAUcGkKkyo+Zy/EHQGTj3qzU1eDFb8wDwYDVR0TAQH/BAUwAwEB
/zAKBggqhkjOPQQDAgNJADBGAiEA/d1qetGZ24fhvNS5TicTIYVIRjv7imeeUJbu
gV7cI24CIQDqLRoVBcDkKGSdUYNfrwnlCdxqvQHLEbctXkkgpqWYow==
-----END CERTIFICATE-----`;
const DER = Buffer.from(PEM.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
const FORWARDED = encodeURIComponent(PEM + '\n');

function request(
  remoteAddress: string,
  headers: Record<string, string | string[]>,
  tlsCertificate?: Buffer,
): IncomingMessage {
  const socket = tlsCertificate
    ? { remoteAddress, encrypted: true, getPeerCertificate: () => ({ raw: tlsCertificate }) }
    : { remoteAddress };
  return { socket, headers } as unknown as IncomingMessage;
}

describe(ClientCertificateReader.name, () => {
  it('believes X-SSL-Client-Cert from a trusted proxy and thumbprints its DER (RFC 8705 §3.1)', () => {
    const { certificate, problem } = new ClientCertificateReader(['127.0.0.1']).read(
      request('127.0.0.1', { 'x-ssl-client-cert': FORWARDED }),
    );
    expect(problem).toBeUndefined();
    expect(certificate?.source).toBe('proxy');
    expect(certificate?.der.equals(DER)).toBe(true);
    expect(certificate?.thumbprint()).toBe(createHash('sha256').update(DER).digest('base64url'));
    expect(certificate?.x509().subject).toBe('CN=spec');
  });

  it('ignores the header from an address TRUST_PROXY does not trust, saying why', () => {
    for (const setting of [false, 0, ['10.0.0.0/8']]) {
      expect(
        new ClientCertificateReader(setting).read(
          request('127.0.0.1', { 'x-ssl-client-cert': FORWARDED }),
        ),
      ).toEqual({ problem: 'header_from_untrusted_address' });
    }
  });

  it('trusts the nearest peer for true, a hop count and a matching address list', () => {
    for (const setting of [true, 1, ['loopback'], ['127.0.0.0/8']]) {
      const read = new ClientCertificateReader(setting).read(
        request('127.0.0.1', { 'x-ssl-client-cert': FORWARDED }),
      );
      expect(read.certificate?.source).toBe('proxy');
    }
  });

  it('prefers the certificate of the TLS connection itself over any header', () => {
    const read = new ClientCertificateReader(true).read(
      request('127.0.0.1', { 'x-ssl-client-cert': 'junk' }, DER),
    );
    expect(read.certificate?.source).toBe('tls');
    expect(read.certificate?.der.equals(DER)).toBe(true);
  });

  it('reports no certificate when there is none', () => {
    const reader = new ClientCertificateReader(true);
    expect(reader.read(request('127.0.0.1', {}))).toEqual({});
    expect(reader.read(request('127.0.0.1', { 'x-ssl-client-cert': '' }))).toEqual({});
    expect(reader.read(request('127.0.0.1', {}, Buffer.alloc(0)))).toEqual({});
  });

  it('calls a repeated, malformed, oversized or badly encoded header malformed', () => {
    const reader = new ClientCertificateReader(true);
    for (const value of [
      [FORWARDED, FORWARDED],
      // node:http joins a repeated header with ', '; two certificates in one value likewise.
      `${FORWARDED}, ${FORWARDED}`,
      FORWARDED + FORWARDED,
      'not a certificate',
      '%E0%A4%A',
      '%00' + FORWARDED.slice(0, 40),
      FORWARDED + 'A'.repeat(20_000),
      encodeURIComponent('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----'),
    ]) {
      expect(reader.read(request('127.0.0.1', { 'x-ssl-client-cert': value }))).toEqual({
        problem: 'header_malformed',
      });
    }
  });

  it('parses only on demand: a DER that is not a certificate throws from x509(), not read()', () => {
    const der = derOfForwarded(
      encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    );
    expect(der?.length).toBe(3);
    const read = new ClientCertificateReader(true).read(request('127.0.0.1', {}, der));
    expect(read.certificate?.thumbprint()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(() => read.certificate?.x509()).toThrow();
  });
});
