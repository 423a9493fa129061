'use strict';
// Starts Gatehouse from the built output (dist/src/main.js) as one child process, waits until
// it is ready, and offers the few HTTP calls scenarios need to set themselves up.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { makeBenchPki } = require('./mtls-pki');
const { freePort, ipcRequest, track } = require('./processes');

const ROOT = resolve(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const HOOK = join(__dirname, 'server-hook.js');

const ADMIN_CLIENT_ID = 'bench-admin-client';
const ADMIN_CLIENT_SECRET = `bench-admin-${randomBytes(24).toString('base64url')}`;

/** Every setting Gatehouse reads; none leaks in from the caller's shell. */
const GATEHOUSE_SETTINGS = [
  'PORT',
  'HOST',
  'METRICS_PORT',
  'METRICS_HOST',
  'ISSUER',
  'DATABASE_URL',
  'DATA_DIR',
  'MIGRATIONS_RUN',
  'DATABASE_POOL_SIZE',
  'ADMIN_CLIENT_ID',
  'ADMIN_CLIENT_SECRET',
  'REGISTRATION_MODE',
  'REGISTRATION_INITIAL_ACCESS_TOKEN',
  'KEY_ENCRYPTION_KEY',
  'ACCESS_TOKEN_SIGNING_ALG',
  'ACCESS_TOKEN_LIFETIME',
  'BCRYPT_COST',
  'SIGNUP_ENABLED',
  'SESSION_LIFETIME',
  'REFRESH_TOKEN_LIFETIME',
  'REFRESH_TOKEN_IDLE_LIFETIME',
  'LOGIN_MAX_FAILURES_PER_ACCOUNT',
  'LOGIN_MAX_FAILURES_PER_IP',
  'LOGIN_FAILURE_WINDOW',
  'BODY_LIMIT',
  'LOG_LEVEL',
  'TRUST_PROXY',
  'KEY_ROTATION_INTERVAL',
  'REDIS_URL',
  'RATE_LIMIT_WINDOW',
  'RATE_LIMIT_PER_CLIENT',
  'RATE_LIMIT_PER_IP',
  'RATE_LIMIT_BCRYPT_PER_IP',
  'CLIENT_AUTH_MAX_FAILURES',
  'CLIENT_AUTH_MAX_FAILURES_PER_CLIENT',
  'CLIENT_AUTH_MAX_FAILURES_PER_IP',
  'CLIENT_ASSERTION_AUDIENCE',
  'DECISION_LOG_SAMPLE_RATE',
  'DPOP_DECISION_WINDOW',
  'DPOP_NONCE',
  'GATEWAY_FORMS',
  'HTTP_HEADERS_TIMEOUT',
  'HTTP_IDLE_TIMEOUT',
  'HTTP_KEEP_ALIVE_TIMEOUT',
  'HTTP_REQUEST_TIMEOUT',
  'KEY_PUBLISH_AHEAD',
  'PASSWORD_MIN_LENGTH',
  'PUSHED_AUTHORIZATION_REQUEST_LIFETIME',
  'REQUIRE_PAR',
  'WORKERS',
  'JWKS_URI_ALLOW_PRIVATE',
  'TLS_CERT_FILE',
  'TLS_KEY_FILE',
  'TLS_CLIENT_CA_FILE',
  'TLS_CLIENT_CRL_FILE',
  // Not a Gatehouse setting, but bcrypt and JWT signing run on this pool: set it through
  // BENCH_SERVER_ENV so the bcrypt_compare reference uses the same size.
  'UV_THREADPOOL_SIZE',
];

/** libuv's thread pool size when UV_THREADPOOL_SIZE is unset. */
const DEFAULT_THREADPOOL_SIZE = 4;

/** RFC 6749 §2.3.1: client_id and secret are form-encoded before Basic encoding. */
function basicAuth(clientId, secret) {
  const encode = (value) => encodeURIComponent(value);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/** `BENCH_SERVER_ENV="ACCESS_TOKEN_SIGNING_ALG=EdDSA DATABASE_POOL_SIZE=20"` → object. */
function parseExtraEnv(text) {
  const extra = {};
  for (const pair of (text ?? '').split(/\s+/).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`BENCH_SERVER_ENV: expected NAME=value, got "${pair}"`);
    extra[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return extra;
}

/**
 * The settings the bench gives Gatehouse beyond its port, issuer and database, with
 * BENCH_SERVER_ENV applied last. The login throttle and the rate limits are set far out of the
 * way: every request of a run comes from one loopback address and the login scenarios never
 * fail a password, so neither limit has anything to stop here (their bookkeeping still runs).
 */
function serverSettings() {
  const env = {
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    BCRYPT_COST: '12',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    RATE_LIMIT_PER_CLIENT: '100000000',
    RATE_LIMIT_PER_IP: '100000000',
    // check_gateway_scale checks 1,000 new client secrets from one address in its setup.
    RATE_LIMIT_BCRYPT_PER_IP: '1000000',
    // BENCH_METRICS=1: Prometheus metrics on (docs/metrics.md), on a free port nobody scrapes.
    ...(process.env.BENCH_METRICS === '1' ? { METRICS_PORT: '0' } : {}),
    ...parseExtraEnv(process.env.BENCH_SERVER_ENV),
  };
  return {
    env,
    bcryptCost: Number(env.BCRYPT_COST),
    threadPoolSize: Number(env.UV_THREADPOOL_SIZE) || DEFAULT_THREADPOOL_SIZE,
  };
}

async function waitUntilReady(url, entry, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (entry.exited) break;
    try {
      const response = await fetch(`${url}/health/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const why = entry.exited
    ? 'exited before it was ready'
    : `not ready after ${timeoutMs} ms (${last})`;
  throw new Error(`Gatehouse ${why}; its last output:\n${entry.tail.join('\n')}`);
}

/**
 * Starts Gatehouse: embedded PGlite in a fresh temp DATA_DIR, or BENCH_DATABASE_URL with a
 * random KEY_ENCRYPTION_KEY (BENCH_KEY_ENCRYPTION_KEY to reuse a database across runs).
 */
async function startGatehouse({ profile = false } = {}) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL;

  const settings = serverSettings();
  // client_credentials_mtls: a CA for tls_client_auth, and the certificate arriving from a
  // trusted proxy's header (the harness is that proxy, on loopback).
  const pki = makeBenchPki();
  const env = { ...process.env };
  for (const name of GATEHOUSE_SETTINGS) delete env[name];
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: url,
    DATA_DIR: dataDir,
    ADMIN_CLIENT_ID,
    ADMIN_CLIENT_SECRET,
    ...(databaseUrl
      ? {
          DATABASE_URL: databaseUrl,
          KEY_ENCRYPTION_KEY:
            process.env.BENCH_KEY_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
        }
      : {}),
    TLS_CLIENT_CA_FILE: pki.caFile,
    TRUST_PROXY: '127.0.0.1',
    ...settings.env,
  });

  const child = spawn(process.execPath, ['--require', HOOK, MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const entry = track(child, 'gatehouse');
  entry.exitPromise.then(() => {
    rmSync(dataDir, { recursive: true, force: true });
    pki.remove();
  });

  await waitUntilReady(url, entry, Number(process.env.BENCH_START_TIMEOUT_MS ?? 120_000));

  const call = async (method, path, { headers = {}, body } = {}) => {
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  const expectStatus = (what, response, status) => {
    if (response.status !== status) {
      throw new Error(`${what}: expected ${status}, got ${response.status} ${response.text}`);
    }
    return response;
  };

  const gatehouse = {
    url,
    child,
    database: databaseUrl ? 'postgresql' : 'embedded (PGlite)',
    settings,
    basicAuth,
    call,
    expectStatus,
    /** POST an application/x-www-form-urlencoded body. */
    postForm: (path, form, headers = {}) =>
      call('POST', path, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      }),
    /** client_credentials for `clientId`; resolves with the token response. */
    async clientCredentials(clientId, secret, form = {}) {
      const response = await gatehouse.postForm(
        '/token',
        { grant_type: 'client_credentials', ...form },
        { authorization: basicAuth(clientId, secret) },
      );
      return expectStatus(`token for ${clientId}`, response, 200).json;
    },
    adminToken: undefined,
    /** JSON call to the admin API with the admin token. */
    admin: (method, path, payload) =>
      call(method, path, {
        headers: {
          authorization: `Bearer ${gatehouse.adminToken}`,
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: payload !== undefined ? JSON.stringify(payload) : undefined,
      }),
    /** Registers a client through POST /admin/clients; resolves with the 201 body. */
    async createClient(metadata) {
      const response = await gatehouse.admin('POST', '/admin/clients', metadata);
      return expectStatus('POST /admin/clients', response, 201).json;
    },
    /** Creates a user through POST /admin/users; resolves with { id, username, password }. */
    async createUser(fields) {
      const response = await gatehouse.admin('POST', '/admin/users', fields);
      const { id, username } = expectStatus('POST /admin/users', response, 201).json;
      return { id, username, password: fields.password };
    },
    /** client_credentials_mtls: the subject DN to register and the certificate header. */
    mtls: { subjectDn: pki.subjectDn, clientCertificateHeader: pki.clientCertificateHeader },
    /** With BENCH_PROFILE=1: CPU profile of the server between start and stop. */
    profiling: profile,
    startProfile: () => ipcRequest(child, { type: 'profile-start' }),
    stopProfile: (file) => ipcRequest(child, { type: 'profile-stop', file }),
  };

  const admin = await gatehouse.clientCredentials(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
  gatehouse.adminToken = admin.access_token;
  return gatehouse;
}

module.exports = { startGatehouse, basicAuth, serverSettings };
