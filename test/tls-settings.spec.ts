import { expect } from 'expect';
import { before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/load-config';
import { crlOf, issue, makeCa, TestCertificate, writeTemporary } from './support/certificates';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('TLS settings (docs/mtls.md)', () => {
  let ca: TestCertificate;
  let server: TestCertificate;
  let other: TestCertificate;
  let files: Record<string, string>;
  before(async () => {
    ca = await makeCa('CN=Test CA,O=Example');
    server = await issue(ca, 'CN=localhost', { san: [{ type: 'ip', value: '127.0.0.1' }] });
    other = await issue(ca, 'CN=other');
    files = writeTemporary({
      'server.pem': server.pem,
      'server.key': server.keyPem,
      'other.key': other.keyPem,
      'ca.pem': ca.pem,
      'leaf-as-ca.pem': ca.pem + server.pem,
      'crl.pem': await crlOf(ca, [other]),
      'garbage.pem': 'not a PEM file\n',
    });
  });

  it('reads the listener certificate, its key, the CAs and the CRLs', () => {
    const { tls } = loadConfig({
      TLS_CERT_FILE: files['server.pem'],
      TLS_KEY_FILE: files['server.key'],
      TLS_CLIENT_CA_FILE: files['ca.pem'],
      TLS_CLIENT_CRL_FILE: files['crl.pem'],
    });
    expect(tls.certificate).toBe(server.pem);
    expect(tls.key).toBe(server.keyPem);
    expect(tls.clientCas).toEqual([ca.pem.trim()]);
    expect(tls.clientCrls).toHaveLength(1);
    expect(tls.clientCrls[0]).toMatch(/^-----BEGIN X509 CRL-----/);
  });

  it('takes TLS_CLIENT_CA_FILE alone, for certificates a proxy forwards', () => {
    const { tls } = loadConfig({ TLS_CLIENT_CA_FILE: files['ca.pem'] });
    expect(tls.certificate).toBeUndefined();
    expect(tls.clientCas).toEqual([ca.pem.trim()]);
  });

  it('names TLS_CERT_FILE when it comes without TLS_KEY_FILE', () => {
    expect(problemsOf({ TLS_CERT_FILE: files['server.pem'] })).toEqual([
      'TLS_CERT_FILE: TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    ]);
  });

  it('names a file that cannot be read', () => {
    expect(problemsOf({ TLS_CLIENT_CA_FILE: '/nonexistent/ca.pem' })).toEqual([
      'TLS_CLIENT_CA_FILE: cannot read /nonexistent/ca.pem (ENOENT)',
    ]);
  });

  it('names files that hold no certificate, key or CRL', () => {
    expect(
      problemsOf({
        TLS_CERT_FILE: files['garbage.pem'],
        TLS_KEY_FILE: files['garbage.pem'],
        TLS_CLIENT_CA_FILE: files['garbage.pem'],
      }),
    ).toEqual([
      'TLS_CERT_FILE: holds no PEM certificate that parses',
      'TLS_KEY_FILE: holds no PEM private key that parses',
      'TLS_CLIENT_CA_FILE: holds no PEM certificate',
    ]);
    expect(
      problemsOf({
        TLS_CLIENT_CA_FILE: files['ca.pem'],
        TLS_CLIENT_CRL_FILE: files['garbage.pem'],
      }),
    ).toEqual(['TLS_CLIENT_CRL_FILE: holds no PEM CRL']);
  });

  it('names a key that is not the certificate’s', () => {
    expect(
      problemsOf({ TLS_CERT_FILE: files['server.pem'], TLS_KEY_FILE: files['other.key'] }),
    ).toEqual(['TLS_KEY_FILE: is not the key of the first certificate in TLS_CERT_FILE']);
  });

  it('refuses a CA bundle with a certificate that is not a CA', () => {
    expect(problemsOf({ TLS_CLIENT_CA_FILE: files['leaf-as-ca.pem'] })).toEqual([
      'TLS_CLIENT_CA_FILE: certificate 2 is not a CA (basic constraints)',
    ]);
  });

  it('refuses CRLs without the CAs that sign them', () => {
    expect(problemsOf({ TLS_CLIENT_CRL_FILE: files['crl.pem'] })).toEqual([
      'TLS_CLIENT_CRL_FILE: needs TLS_CLIENT_CA_FILE (the CAs that sign the lists)',
    ]);
  });
});
