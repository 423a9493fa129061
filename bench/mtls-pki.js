'use strict';
// A CA and one client certificate for the client_credentials_mtls scenario (RFC 8705), made
// with openssl in a temp dir when Gatehouse starts: the CA goes to TLS_CLIENT_CA_FILE, the
// client certificate travels URL-encoded in X-SSL-Client-Cert, as nginx's
// `$ssl_client_escaped_cert` would send it (deploy/nginx/gatehouse-mtls.conf.template).
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/** The registered subject (RFC 4514: last RDN first) of the certificate below. */
const CLIENT_SUBJECT_DN = 'CN=bench-client,O=Bench';

function makeBenchPki() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-pki-'));
  const file = (name) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  execFileSync('openssl', [
    ...['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem')],
    ...['-subj', '/O=Bench/CN=Bench CA', '-days', '2'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE'],
    ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  execFileSync('openssl', [
    ...['req', '-new', ...ec, '-keyout', file('client.key'), '-out', file('client.csr')],
    ...['-subj', '/O=Bench/CN=bench-client'],
  ]);
  writeFileSync(file('client.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n');
  execFileSync(
    'openssl',
    [
      ...['x509', '-req', '-in', file('client.csr'), '-CA', file('ca.pem')],
      ...['-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2'],
      ...['-extfile', file('client.ext'), '-out', file('client.pem')],
    ],
    { stdio: 'ignore' },
  );
  return {
    dir,
    caFile: file('ca.pem'),
    subjectDn: CLIENT_SUBJECT_DN,
    /** X-SSL-Client-Cert as nginx sends it. */
    clientCertificateHeader: encodeURIComponent(readFileSync(file('client.pem'), 'utf8')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

module.exports = { makeBenchPki };
