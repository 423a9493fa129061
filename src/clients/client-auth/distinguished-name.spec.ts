import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import { expect } from 'expect';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  parseDistinguishedName,
  sameDistinguishedName,
  subjectOfCertificate,
} from './distinguished-name';

/** The subject of a certificate openssl makes with `-subj` (RDNSequence order, as written). */
function subjectMadeByOpenssl(subj: string) {
  const dir = mkdtempSync(join(tmpdir(), 'dn-'));
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  execFileSync('openssl', [
    ...args,
    ...['-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', subj, '-days', '1'],
    ...['-utf8'],
  ]);
  const cert = new X509Certificate(readFileSync(join(dir, 'c.pem'), 'utf8'));
  return subjectOfCertificate(cert.subjectName.toArrayBuffer());
}

function matches(registered: string, subj: string): boolean {
  const parsed = parseDistinguishedName(registered);
  if (!parsed) throw new Error(`${registered} does not parse`);
  return sameDistinguishedName(parsed, subjectMadeByOpenssl(subj));
}

describe('distinguished names (RFC 4514, RFC 5280 §7.1)', () => {
  it('reads the RFC 4514 string last RDN first', () => {
    expect(matches('CN=client-a,O=Example,C=US', '/C=US/O=Example/CN=client-a')).toBe(true);
    expect(matches('C=US,O=Example,CN=client-a', '/C=US/O=Example/CN=client-a')).toBe(false);
  });

  it('compares attribute types case-insensitively and by OID', () => {
    expect(matches('cn=client-a, o=Example', '/O=Example/CN=client-a')).toBe(true);
    expect(matches('2.5.4.3=client-a,OID.2.5.4.10=Example', '/O=Example/CN=client-a')).toBe(true);
  });

  it('compares values case-insensitively after folding white space', () => {
    expect(matches('CN=  Client   A ,O=EXAMPLE  Inc', '/O=example inc/CN=client a')).toBe(true);
    expect(matches('CN=client-b,O=Example', '/O=Example/CN=client-a')).toBe(false);
    expect(matches('CN=client-a', '/O=Example/CN=client-a')).toBe(false);
  });

  it('reads escapes, hex pairs and hex values', () => {
    expect(matches('CN=Smith\\, J.,O=Example', '/O=Example/CN=Smith, J.')).toBe(true);
    expect(matches('CN=caf\\C3\\A9,O=Example', '/O=Example/CN=café')).toBe(true);
    // #0c08636c69656e742d61: UTF8String "client-a"
    expect(matches('CN=#0c08636c69656e742d61,O=Example', '/O=Example/CN=client-a')).toBe(true);
  });

  it('compares multi-valued RDNs as sets', () => {
    expect(matches('CN=a+UID=7,O=Example', '/O=Example/UID=7+CN=a')).toBe(true);
  });

  it('refuses what is not an RFC 4514 string', () => {
    for (const bad of [
      '',
      'not a dn',
      'FOO=bar',
      '=x',
      'CN=a,,O=b',
      'CN=a,',
      'CN=a+',
      'CN=a\\x',
      'CN=a<b',
      'CN=#0c0',
      'CN=#zz',
      'CN=a\u0000b',
      'CN=a+CN=b',
      `CN=${'a'.repeat(1100)}`,
    ]) {
      expect({ bad, parsed: parseDistinguishedName(bad) }).toEqual({ bad, parsed: undefined });
    }
  });
});
