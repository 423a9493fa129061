'use strict';
// The scenarios `npm run bench` measures, in order. `baseline` must stay first: every other
// scenario's ratio is its req/s over the baseline's.
//
// A scenario is:
//   name        the row in the table (BENCH_SCENARIOS=a,b picks some; baseline always runs)
//   server      'baseline' (raw node:http), 'gatehouse', or 'reference' (a measurement in a
//               process of its own, such as bcrypt_compare; no server, no baseline ratio)
//   setup(ctx)  resolves with the autocannon request options: { method, path, headers, body }
//               or { requests: [...] } for per-connection request chains (autocannon's
//               setupRequest/onResponse; see refresh_token), plus optionally:
//                 connections   instead of 50 (slow requests need fewer to stay closed-loop)
//                 expectStatus  the one right answer, instead of 200
//                 check(status, body, headers)  false counts as a failed check (headers too)
//                 prepare()     async, before each autocannon run (warm-up and measured)
//               With `run`, setup resolves with whatever `run` needs.
//   run(prepared, { durationSec, control })  optional: measure without autocannon (a loop of
//               whole flows, a child process); resolves with a result like loop.js loopResult
//               (serverCpuMs set when the CPU is not the server's). Called for the warm-up too.
//   verifyBody  optional cheap check of every response body; a failed check counts as an error
//   reference   optional name of another row: the table shows req/s over that row's
//   includes    optional names run along with this one when BENCH_SCENARIOS picks it
//   unit        optional: what the req/s column counts for this row (e.g. 'flows')
//   targets     optional { minRatio, maxP99Ms, minReferenceRatio, minReferenceCpuRatio };
//               shown, never fatal
//
// ctx = { baseline: { url }, gatehouse, settings } where gatehouse offers url, basicAuth(id,
// secret), postForm(path, form, headers), call(method, path, {headers, body}), admin(method,
// path, json), createClient(metadata), createUser(fields) and clientCredentials(clientId,
// secret, form) (see gatehouse-server.js), and settings = { bcryptCost, threadPoolSize, env }
// of the server (also when no Gatehouse scenario runs).
const { Browser, hiddenFields } = require('./browser');
const { runBcryptReference } = require('./bcrypt-reference');
const { loopResult, runLoop } = require('./loop');

const FORM = 'application/x-www-form-urlencoded';
const PASSWORD = 'correct horse battery staple';
const REDIRECT_URI = 'https://bench.example/cb';
const PEOPLE_SCOPE = 'openid offline_access';
/**
 * Requests that each wait on a bcrypt compare (100+ ms at cost 12): few connections, or they
 * only queue. Twice the default thread pool: the pool always has the next compare waiting.
 */
const LOGIN_CONNECTIONS = 8;
/** HTTP requests in one authorization_code_flow iteration. */
const FLOW_REQUESTS = 7;
/** Refresh token families, one per connection. */
const REFRESH_CONNECTIONS = 50;

let userCounter = 0;
/** A user through POST /admin/users with the bench password. */
function createUser(gatehouse, prefix) {
  userCounter += 1;
  return gatehouse.createUser({
    username: `${prefix}-${userCounter}-${Date.now().toString(36)}`,
    password: PASSWORD,
    email: `${prefix}${userCounter}@bench.example`,
    name: 'Bench User',
  });
}

/** A confidential client of the code flow with refresh tokens; `authorization` is its Basic header. */
async function createWebClient(gatehouse, name) {
  const client = await gatehouse.createClient({
    client_name: name,
    client_type: 'confidential',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: PEOPLE_SCOPE,
  });
  return { ...client, authorization: gatehouse.basicAuth(client.client_id, client.client_secret) };
}

/** Runs `task(i)` for i < n with at most `limit` at a time. */
async function inParallel(n, limit, task) {
  const results = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return results;
}

module.exports = [
  {
    name: 'baseline',
    server: 'baseline',
    async setup() {
      return { method: 'GET', path: '/' };
    },
    verifyBody: (body) => body === '{"ok":true}',
  },
  {
    name: 'client_credentials',
    server: 'gatehouse',
    targets: { minRatio: 0.08, maxP99Ms: 25 },
    async setup({ gatehouse }) {
      const client = await gatehouse.createClient({
        client_name: 'bench m2m',
        client_type: 'm2m',
        // Not shaped like a permission (resource:action), which is granted only when held.
        scope: 'bench.read',
      });
      // One real grant first: the secret's bcrypt check happens here, not in the measurement.
      const token = await gatehouse.clientCredentials(client.client_id, client.client_secret);
      if (token.token_type !== 'Bearer' || token.scope !== 'bench.read') {
        throw new Error(`unexpected warm-up token response ${JSON.stringify(token)}`);
      }
      return {
        method: 'POST',
        path: '/token',
        headers: {
          'content-type': FORM,
          authorization: gatehouse.basicAuth(client.client_id, client.client_secret),
        },
        body: 'grant_type=client_credentials',
      };
    },
    verifyBody: (body) => body.includes('"access_token":"ey'),
  },
  {
    // RFC 8705: tls_client_auth with a certificate-bound token, the certificate forwarded by a
    // trusted proxy in X-SSL-Client-Cert as nginx sends it; beside client_credentials, whose
    // bcrypt is remembered, so the difference is the certificate's path check and DN match.
    name: 'client_credentials_mtls',
    server: 'gatehouse',
    async setup({ gatehouse }) {
      const client = await gatehouse.createClient({
        client_name: 'bench mtls m2m',
        client_type: 'm2m',
        scope: 'bench.read',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: gatehouse.mtls.subjectDn,
        tls_client_certificate_bound_access_tokens: true,
      });
      const headers = {
        'content-type': FORM,
        'x-ssl-client-cert': gatehouse.mtls.clientCertificateHeader,
      };
      const body = `grant_type=client_credentials&client_id=${encodeURIComponent(client.client_id)}`;
      const first = gatehouse.expectStatus(
        'mtls token',
        await gatehouse.call('POST', '/token', { headers, body }),
        200,
      ).json;
      const cnf = JSON.parse(Buffer.from(first.access_token.split('.')[1], 'base64url')).cnf;
      if (first.scope !== 'bench.read' || typeof cnf?.['x5t#S256'] !== 'string') {
        throw new Error(`unexpected mtls token response ${JSON.stringify(first)}`);
      }
      return { method: 'POST', path: '/token', headers, body };
    },
    verifyBody: (body) => body.includes('"access_token":"ey'),
  },
  {
    // Not a server: the most bcrypt compares per second a Node process gets on this machine at
    // the server's cost and thread pool size, measured in the same run as password_login.
    name: 'bcrypt_compare',
    server: 'reference',
    unit: 'compares',
    async setup({ settings }) {
      return {
        cost: settings.bcryptCost,
        threads: settings.threadPoolSize,
        connections: settings.threadPoolSize,
      };
    },
    async run({ cost, threads }, { durationSec }) {
      const measured = await runBcryptReference({ cost, threads, durationSec });
      const errorSamples = measured.errors ? ['bcrypt.compare answered false'] : [];
      return {
        ...loopResult({ ...measured, errorSamples, durationSec }),
        serverCpuMs: measured.cpuMs,
      };
    },
  },
  {
    // The login form (Passport local strategy): one bcrypt compare plus a user lookup and a new
    // session per request. Issue 3: at least 0.9 of bcrypt_compare.
    name: 'password_login',
    server: 'gatehouse',
    includes: ['bcrypt_compare'],
    reference: 'bcrypt_compare',
    targets: { minReferenceRatio: 0.9 },
    async setup({ gatehouse }) {
      const user = await createUser(gatehouse, 'bench-login');
      // One CSRF pair (cookie gatehouse_csrf = hidden field csrf_token) serves every request.
      const browser = new Browser(gatehouse.url);
      const page = await browser.get('/login');
      const fields = hiddenFields(page.text);
      const cookie = browser.cookies.get('gatehouse_csrf');
      if (page.status !== 200 || !cookie || fields.csrf_token !== cookie) {
        throw new Error(`GET /login: no CSRF pair (status ${page.status}, cookie ${cookie})`);
      }
      await browser.signIn(user); // the same request once, checked in full
      return {
        connections: LOGIN_CONNECTIONS,
        method: 'POST',
        path: '/login',
        headers: { 'content-type': FORM, cookie: `gatehouse_csrf=${cookie}` },
        body: new URLSearchParams({
          ...fields,
          username: user.username,
          password: user.password,
        }).toString(),
        expectStatus: 303,
        // A failed login also answers 303, back to /login?error=…: only /account is success.
        check: (status, body, headers) => status !== 303 || headers.location === '/account',
      };
    },
  },
  {
    // RFC 6749 §6 with rotation: every request presents the refresh token the previous
    // response returned, one chain (family) per connection. A token presented twice would be
    // reuse and revoke the family, so any lost response shows up as failures.
    name: 'refresh_token',
    server: 'gatehouse',
    async setup({ gatehouse }) {
      const user = await createUser(gatehouse, 'bench-refresh');
      const client = await createWebClient(gatehouse, 'bench refresh');
      // One session and a remembered consent: each further family costs a code flow without
      // a password check.
      const browser = new Browser(gatehouse.url);
      await browser.signIn(user);
      const newFamily = async () => {
        const code = await browser.authorize(client, user, {
          scope: PEOPLE_SCOPE,
          redirectUri: REDIRECT_URI,
        });
        return (await browser.exchange(client, code, REDIRECT_URI)).refresh_token;
      };
      await newFamily(); // consents
      const pool = { chains: [], next: 0 };
      return {
        connections: REFRESH_CONNECTIONS,
        // Fresh families for every run: the request in flight when a run stops has rotated
        // its chain's token on the server without the client ever seeing the new one.
        async prepare() {
          const tokens = await inParallel(REFRESH_CONNECTIONS, 10, newFamily);
          pool.chains = tokens.map((token) => ({ token }));
          pool.next = 0;
        },
        requests: [
          {
            method: 'POST',
            path: '/token',
            headers: { 'content-type': FORM, authorization: client.authorization },
            // autocannon deep-copies the options for each connection: one slot per connection.
            slot: { chain: null },
            setupRequest(request) {
              request.slot.chain ??= pool.chains[pool.next++ % pool.chains.length];
              request.body = `grant_type=refresh_token&refresh_token=${encodeURIComponent(request.slot.chain.token)}`;
              return request;
            },
            onResponse(status, body) {
              const next = status === 200 && /"refresh_token":"([^"]+)"/.exec(body);
              if (next) this.slot.chain.token = next[1];
            },
          },
        ],
      };
    },
    verifyBody: (body) => body.includes('"refresh_token":"') && body.includes('"id_token":"ey'),
  },
  {
    // One whole authorization code flow per iteration, as a browser with no session does it,
    // seven requests: GET /authorize (302 to /login), GET /login, POST /login (bcrypt; 303 to
    // /authorize/continue), GET /authorize/continue (302 to /consent: prompt=consent shows the
    // consent page every time), GET /consent, POST /consent (303 back to the client with the
    // code), POST /token (PKCE S256, client_secret_basic). The password check dominates.
    name: 'authorization_code_flow',
    server: 'gatehouse',
    unit: 'flows',
    includes: ['bcrypt_compare'],
    reference: 'bcrypt_compare',
    async setup({ gatehouse }) {
      const user = await createUser(gatehouse, 'bench-flow');
      const client = await createWebClient(gatehouse, 'bench flow');
      const flow = async () => {
        const browser = new Browser(gatehouse.url);
        const code = await browser.authorize(client, user, {
          scope: PEOPLE_SCOPE,
          redirectUri: REDIRECT_URI,
          prompt: 'consent',
        });
        await browser.exchange(client, code, REDIRECT_URI);
        if (browser.requests !== FLOW_REQUESTS) {
          throw new Error(`a flow took ${browser.requests} requests, not ${FLOW_REQUESTS}`);
        }
      };
      await flow(); // checked once before measuring
      return { flow, connections: LOGIN_CONNECTIONS };
    },
    async run({ flow, connections }, { durationSec, control }) {
      return loopResult(
        await runLoop({ concurrency: connections, durationSec, iteration: flow, control }),
      );
    },
  },
];
// password_login_totp right after password_login, the row it is held against.
module.exports.splice(
  module.exports.findIndex((scenario) => scenario.name === 'password_login') + 1,
  0,
  ...require('./scenarios-second-factors'),
);
module.exports.push(...require('./scenarios-access'));
module.exports.push(...require('./scenarios-authzen'));
