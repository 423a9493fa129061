'use strict';
// `npm run bench`: a raw node:http baseline and Gatehouse (one process, from dist/) measured in
// the same run with autocannon. See bench/README.md for the settings.
const autocannon = require('autocannon');
const { cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { mkdirSync } = require('node:fs');
const { startBaseline } = require('./baseline-server');
const { startGatehouse } = require('./gatehouse-server');
const { cpuTimeMs, killAllNow, stopAll } = require('./processes');
const { summarizeFile } = require('./profile-summary');
const { printTable, summarize, writeJson } = require('./report');
const allScenarios = require('./scenarios');

const RESULTS = join(__dirname, 'results');
const CONNECTIONS = 50;
const PIPELINING = 1;
const WARMUP_SEC = 2;

function settings() {
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
  const scenarios = allScenarios.filter(
    (s) => s.name === 'baseline' || wanted.length === 0 || wanted.includes(s.name),
  );
  return { durationSec, scenarios, profile: process.env.BENCH_PROFILE === '1' };
}

let current; // the running autocannon instance, stopped on Ctrl-C
function cannon(target, request, durationSec, verifyBody) {
  const { path = '/', requests, ...rest } = request;
  current = autocannon({
    url: `${target}${path}`,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: durationSec,
    ...rest,
    ...(requests ? { requests } : {}),
    ...(verifyBody ? { verifyBody } : {}),
  });
  return Promise.resolve(current).finally(() => {
    current = undefined;
  });
}

async function main() {
  const { durationSec, scenarios, profile } = settings();
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
  const ctx = { baseline, gatehouse };

  const rows = [];
  let baselineRow;
  for (const scenario of scenarios) {
    const server = scenario.server === 'baseline' ? baseline : gatehouse;
    const target = server.url;
    log(`${scenario.name}: setting up`);
    const request = await scenario.setup(ctx);
    log(`${scenario.name}: warm-up ${WARMUP_SEC} s`);
    await cannon(target, request, WARMUP_SEC, scenario.verifyBody);
    const profiled = profile && scenario.server === 'gatehouse';
    if (profiled) await gatehouse.startProfile();
    log(`${scenario.name}: measuring ${durationSec} s`);
    const cpuBefore = cpuTimeMs(server.child.pid);
    const result = await cannon(target, request, durationSec, scenario.verifyBody);
    const cpuAfter = cpuTimeMs(server.child.pid);
    result.serverCpuMs = cpuBefore === undefined ? undefined : cpuAfter - cpuBefore;
    if (profiled) {
      const dir = join(RESULTS, 'profiles');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${scenario.name}.cpuprofile`);
      await gatehouse.stopProfile(file);
      log(`\n${scenario.name}: profile written to ${file}\n${summarizeFile(file, 20)}`);
    }
    if (gatehouse && !gatehouse.alive())
      throw new Error(`Gatehouse exited during ${scenario.name}`);
    const row = summarize(scenario, result, baselineRow);
    if (scenario.name === 'baseline') {
      baselineRow = row;
      row.ratioToBaseline = 1;
      row.cpuRatioToBaseline = row.serverCpuUsPerRequest === null ? null : 1;
    }
    rows.push(row);
  }

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
    bcryptCost: 12,
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
