'use strict';
// `npm run bench`: a raw node:http baseline and Gatehouse (one process, from dist/) measured in
// the same run with autocannon. See bench/README.md for the settings.
const autocannon = require('autocannon');
const { cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { mkdirSync } = require('node:fs');
const { startBaseline } = require('./baseline-server');
const { serverSettings, startGatehouse } = require('./gatehouse-server');
const { cpuTimeMs, killAllNow, stopAll, waitUntilIdle } = require('./processes');
const { summarizeFile } = require('./profile-summary');
const { compareWithReferences, printTable, summarize, writeJson } = require('./report');
const allScenarios = require('./scenarios');

const RESULTS = join(__dirname, 'results');
const CONNECTIONS = 50;
const PIPELINING = 1;
const WARMUP_SEC = 2;

function benchSettings() {
  const durationSec = Number(process.env.BENCH_DURATION ?? 10);
  if (!Number.isFinite(durationSec) || durationSec <= 0) {
    throw new Error(
      `BENCH_DURATION must be a positive number of seconds, got "${process.env.BENCH_DURATION}"`,
    );
  }
  const wanted = (process.env.BENCH_SCENARIOS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((name) => !allScenarios.some((s) => s.name === name));
  if (unknown.length) {
    throw new Error(
      `BENCH_SCENARIOS: unknown ${unknown.join(', ')}; known: ${allScenarios.map((s) => s.name).join(', ')}`,
    );
  }
  // A picked scenario brings the ones it is compared with (password_login: bcrypt_compare).
  const picked = new Set(wanted);
  for (const s of allScenarios) {
    if (picked.has(s.name)) for (const name of s.includes ?? []) picked.add(name);
  }
  const scenarios = allScenarios.filter(
    (s) => s.name === 'baseline' || wanted.length === 0 || picked.has(s.name),
  );
  return { durationSec, scenarios, profile: process.env.BENCH_PROFILE === '1' };
}

/** Request options that are the harness's, not autocannon's. */
const HARNESS_OPTIONS = ['connections', 'expectStatus', 'check', 'prepare'];

let current; // the running measurement, stopped on Ctrl-C

/**
 * One autocannon run of `request`; resolves with the normalized result (see normalize). A
 * `check` is installed as an onResponse on every request and counts its failures.
 */
async function cannon(target, request, durationSec, verifyBody) {
  const { path = '/', requests, check, expectStatus = 200, prepare } = request;
  const rest = Object.fromEntries(
    Object.entries(request).filter(
      ([key]) => !HARNESS_OPTIONS.includes(key) && !['path', 'requests'].includes(key),
    ),
  );
  if (prepare) await prepare();
  let checkFailures = 0;
  let chain = requests;
  if (check) {
    const base = requests ?? [
      { method: rest.method, path, headers: rest.headers, body: rest.body },
    ];
    chain = base.map((entry) => ({
      ...entry,
      onResponse(status, body, context, headers) {
        if (!check(status, body, headers)) checkFailures += 1;
        entry.onResponse?.call(this, status, body, context, headers);
      },
    }));
  }
  const instance = autocannon({
    url: `${target}${path}`,
    connections: request.connections ?? CONNECTIONS,
    pipelining: PIPELINING,
    duration: durationSec,
    ...rest,
    ...(chain ? { requests: chain } : {}),
    ...(verifyBody ? { verifyBody } : {}),
  });
  current = instance;
  try {
    return normalize(await instance, expectStatus, checkFailures);
  } finally {
    current = undefined;
  }
}

/** autocannon's result in the shape every scenario reports (see loop.js loopResult). */
function normalize(result, expectStatus, checkFailures) {
  const statusCodes = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = count;
  }
  const responses = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  return {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    responses,
    statusCodes,
    expectStatus,
    unexpectedStatus: responses - (statusCodes[String(expectStatus)] ?? 0),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches + checkFailures,
    durationSec: result.duration,
  };
}

/** One run of `scenario`: its own `run`, or autocannon. */
function measure(scenario, prepared, target, durationSec) {
  if (!scenario.run) return cannon(target, prepared, durationSec, scenario.verifyBody);
  const control = { stopped: false };
  current = { stop: () => (control.stopped = true) };
  return scenario.run(prepared, { durationSec, control }).finally(() => {
    current = undefined;
  });
}

async function main() {
  const { durationSec, scenarios, profile } = benchSettings();
  const log = (text) => process.stderr.write(`${text}\n`);
  const loadAverageAtStart = loadavg().map((n) => Math.round(n * 100) / 100);
  if (loadAverageAtStart[0] > cpus().length / 2) {
    log(
      `warning: load average ${loadAverageAtStart[0]} on ${cpus().length} CPUs; figures will be noisy`,
    );
  }

  log('starting the baseline server');
  const baseline = await startBaseline();
  let gatehouse;
  if (scenarios.some((s) => s.server === 'gatehouse')) {
    log('starting Gatehouse (dist/src/main.js)');
    gatehouse = await startGatehouse({ profile });
    log(`Gatehouse ready at ${gatehouse.url}, database ${gatehouse.database}`);
    let exitedEarly = false;
    gatehouse.child.once('exit', () => (exitedEarly = true));
    gatehouse.alive = () => !exitedEarly;
  }
  const settings = gatehouse?.settings ?? serverSettings();
  const ctx = { baseline, gatehouse, settings };

  const rows = [];
  let baselineRow;
  for (const scenario of scenarios) {
    const server = { baseline, gatehouse }[scenario.server];
    const target = server?.url;
    log(`${scenario.name}: setting up`);
    const prepared = await scenario.setup(ctx);
    log(`${scenario.name}: warm-up ${WARMUP_SEC} s`);
    await measure(scenario, prepared, target, WARMUP_SEC);
    // What the warm-up left in flight on the server finishes before the measured run starts.
    if (gatehouse) await waitUntilIdle(gatehouse.child.pid);
    const profiled = profile && scenario.server === 'gatehouse';
    if (profiled) await gatehouse.startProfile();
    log(`${scenario.name}: measuring ${durationSec} s`);
    const cpuBefore = server ? cpuTimeMs(server.child.pid) : undefined;
    const result = await measure(scenario, prepared, target, durationSec);
    const cpuAfter = server ? cpuTimeMs(server.child.pid) : undefined;
    if (result.serverCpuMs === undefined && cpuBefore !== undefined) {
      result.serverCpuMs = cpuAfter - cpuBefore;
    }
    if (profiled) {
      const dir = join(RESULTS, 'profiles');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${scenario.name}.cpuprofile`);
      await gatehouse.stopProfile(file);
      log(`\n${scenario.name}: profile written to ${file}\n${summarizeFile(file, 20)}`);
    }
    if (gatehouse && !gatehouse.alive())
      throw new Error(`Gatehouse exited during ${scenario.name}`);
    const connections = prepared?.connections ?? CONNECTIONS;
    const row = summarize(
      scenario,
      result,
      scenario.server === 'reference' ? undefined : baselineRow,
      connections,
    );
    if (scenario.name === 'baseline') {
      baselineRow = row;
      row.ratioToBaseline = 1;
      row.cpuRatioToBaseline = row.serverCpuUsPerRequest === null ? null : 1;
    }
    rows.push(row);
  }
  compareWithReferences(rows, scenarios);

  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    durationSec,
    warmupSec: WARMUP_SEC,
    database: gatehouse?.database ?? '-',
    bcryptCost: settings.bcryptCost,
    threadPoolSize: settings.threadPoolSize,
    serverEnv: process.env.BENCH_SERVER_ENV || undefined,
    profiling: profile,
    loadAverageAtStart,
  };
  printTable(rows, meta);
  const file = join(RESULTS, 'latest.json');
  writeJson(file, rows, meta);
  process.stdout.write(`Written to ${file}\n`);
  return rows.some((row) => row.failed) ? 1 : 0;
}

let stopping = false;
async function shutdown(code, why) {
  if (stopping) return;
  stopping = true;
  if (why) process.stderr.write(`${why}\n`);
  current?.stop();
  await stopAll();
  process.exit(code);
}

process.on('SIGINT', () => shutdown(130, '\ninterrupted: stopping the servers'));
process.on('SIGTERM', () => shutdown(143, 'terminated: stopping the servers'));
process.on('exit', killAllNow);

main().then(
  (code) => shutdown(code),
  (error) => shutdown(1, `bench failed: ${error instanceof Error ? error.stack : String(error)}`),
);
