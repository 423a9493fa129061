'use strict';
// `npm run bench:soak`: a long mixed load on one Gatehouse process (from dist/) with its resident
// memory sampled, to show that memory settles and the caches stay within their bounds. Not part
// of CI. Settings (environment):
//   SOAK_DURATION      seconds of load (default 600)
//   SOAK_SAMPLE        seconds between RSS samples (default 5)
//   SOAK_CONCURRENCY   loops sending requests back to back (default 8)
//   BENCH_DATABASE_URL, BENCH_SERVER_ENV a PostgreSQL database to run on (default: embedded PGlite), as `npm run bench`
// The mix per loop: client_credentials tokens (each new token then asked about at the gateway and
// /access/check, so the verified-token cache, 10,000 entries, fills and must evict), refresh
// token rotations (RFC 6749 §6), access decisions, and now and then a login at the form (bcrypt).
// Steady state: after the first quarter of the run (warm-up), the mean RSS of the later half of the
// samples is within 10% of the earlier half's (no drift; single samples swing with the garbage
// collector, so the range is reported beside it). Exits 1 when it is not, or when a request failed.
const { readFileSync } = require('node:fs');
const { Browser } = require('./browser');
const { startGatehouse } = require('./gatehouse-server');
const { killAllNow, stopAll } = require('./processes');

const DURATION_SEC = Number(process.env.SOAK_DURATION ?? 600);
const SAMPLE_SEC = Number(process.env.SOAK_SAMPLE ?? 5);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
const WARMUP_SHARE = 0.25;
const STEADY_DRIFT = 0.1;
const PASSWORD = 'correct horse battery staple';
const REDIRECT_URI = 'https://soak.example/cb';
const SCOPE = 'openid offline_access';

/** Resident set size of process `pid` in MB (Linux /proc). */
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** A rule, a role holding it, an m2m client with the role, a user and a code-flow client. */
async function setUp(gatehouse) {
  const role = `soak-reader-${Date.now().toString(36)}`;
  gatehouse.expectStatus(
    'POST /admin/roles',
    await gatehouse.admin('POST', '/admin/roles', { name: role, permissions: ['invoices:read'] }),
    201,
  );
  gatehouse.expectStatus(
    'POST /admin/access-rules',
    await gatehouse.admin('POST', '/admin/access-rules', {
      path: '/invoices/**',
      permission: 'invoices:read',
    }),
    201,
  );
  const service = await gatehouse.createClient({
    client_name: 'soak m2m',
    client_type: 'm2m',
    scope: 'invoices:read',
  });
  gatehouse.expectStatus(
    'PUT /admin/clients/{id}/roles',
    await gatehouse.admin('PUT', `/admin/clients/${service.client_id}/roles`, { roles: [role] }),
    200,
  );
  const user = await gatehouse.createUser({
    username: `soak-${Date.now().toString(36)}`,
    password: PASSWORD,
    email: 'soak@bench.example',
    name: 'Soak User',
  });
  const web = await gatehouse.createClient({
    client_name: 'soak web',
    client_type: 'confidential',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: SCOPE,
  });
  web.authorization = gatehouse.basicAuth(web.client_id, web.client_secret);
  return { service, user, web };
}

/** One loop's work: its own refresh token chain and the last token it was issued. */
async function loopState(gatehouse, { service, user, web }) {
  const browser = new Browser(gatehouse.url);
  await browser.signIn(user);
  const code = await browser.authorize(web, user, { scope: SCOPE, redirectUri: REDIRECT_URI });
  const tokens = await browser.exchange(web, code, REDIRECT_URI);
  const access = await gatehouse.clientCredentials(service.client_id, service.client_secret);
  return { refresh: tokens.refresh_token, access: access.access_token };
}

async function main() {
  const gatehouse = await startGatehouse();
  const pid = gatehouse.child.pid;
  console.log(`soak: ${DURATION_SEC} s on ${gatehouse.database}, RSS every ${SAMPLE_SEC} s`);
  const fixture = await setUp(gatehouse);
  const { service, web, user } = fixture;
  const counts = { tokens: 0, refreshes: 0, decisions: 0, logins: 0, failures: 0 };
  const failureSamples = [];
  const fail = (what, response) => {
    counts.failures += 1;
    if (failureSamples.length < 5)
      failureSamples.push(`${what}: ${response.status} ${response.text.slice(0, 200)}`);
  };
  const states = [];
  for (let i = 0; i < CONCURRENCY; i++) states.push(await loopState(gatehouse, fixture));
  const samples = [];
  const started = Date.now();
  const deadline = started + DURATION_SEC * 1000;
  const sampler = setInterval(() => {
    const sample = {
      second: Math.round((Date.now() - started) / 1000),
      rssMb: rssMb(pid),
      ...counts,
    };
    samples.push(sample);
    console.log(JSON.stringify(sample));
  }, SAMPLE_SEC * 1000);

  const loop = async (index) => {
    const state = states[index];
    for (let step = index; Date.now() < deadline; step++) {
      if (step % 4 === 0) {
        const response = await gatehouse.postForm(
          '/token',
          { grant_type: 'client_credentials' },
          { authorization: gatehouse.basicAuth(service.client_id, service.client_secret) },
        );
        if (response.status !== 200) fail('client_credentials', response);
        else state.access = response.json.access_token;
        counts.tokens += 1;
      } else if (step % 10 === 1) {
        const response = await gatehouse.postForm(
          '/token',
          { grant_type: 'refresh_token', refresh_token: state.refresh },
          { authorization: web.authorization },
        );
        if (response.status !== 200) fail('refresh_token', response);
        else state.refresh = response.json.refresh_token;
        counts.refreshes += 1;
      } else if (step % 200 === 2) {
        await new Browser(gatehouse.url).signIn(user);
        counts.logins += 1;
      } else {
        const authorization = `Bearer ${state.access}`;
        const response =
          step % 2 === 0
            ? await gatehouse.call('GET', '/access/gateway', {
                headers: {
                  authorization,
                  'x-original-method': 'GET',
                  'x-original-uri': '/invoices/1',
                },
              })
            : await gatehouse.call('POST', '/access/check', {
                headers: { authorization, 'content-type': 'application/json' },
                body: '{"resource":"invoices","action":"read"}',
              });
        if (response.status !== 200) fail('decision', response);
        counts.decisions += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => loop(i)));
  clearInterval(sampler);

  const steady = samples.slice(Math.floor(samples.length * WARMUP_SHARE));
  const rss = steady.map((sample) => sample.rssMb);
  const min = Math.min(...rss);
  const max = Math.max(...rss);
  const half = Math.floor(rss.length / 2);
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const report = {
    database: gatehouse.database,
    durationSec: DURATION_SEC,
    ...counts,
    requestsPerSec: Math.round(
      (counts.tokens + counts.refreshes + counts.decisions + counts.logins) / DURATION_SEC,
    ),
    steadyRssMb: { min: +min.toFixed(1), max: +max.toFixed(1), mean: +mean(rss).toFixed(1) },
    steadySpread: +((max - min) / min).toFixed(3),
    secondHalfOverFirst: +(mean(rss.slice(half)) / mean(rss.slice(0, half))).toFixed(3),
    // More distinct tokens than the verified-token cache holds went through the decisions.
    tokensBeyondVerifiedTokenCache: counts.tokens > 10_000,
    failureSamples,
  };
  console.log(JSON.stringify(report, null, 2));
  const steadyOk = Math.abs(report.secondHalfOverFirst - 1) <= STEADY_DRIFT;
  console.log(
    `steady-state RSS ${steadyOk ? 'within' : 'NOT within'} ${STEADY_DRIFT * 100}%: later half ${report.secondHalfOverFirst} of the earlier (samples ${report.steadyRssMb.min}-${report.steadyRssMb.max} MB)`,
  );
  return steadyOk && counts.failures === 0 ? 0 : 1;
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => stopAll().finally(() => process.exit(130)));
}
main().then(
  (code) => stopAll().then(() => process.exit(code)),
  (error) => {
    console.error(error);
    return stopAll().then(() => process.exit(1));
  },
);
