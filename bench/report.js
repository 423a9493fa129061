'use strict';
// Turns autocannon results into table rows, prints them, and writes bench/results/latest.json.
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

/** One row: the figures that matter plus everything that went wrong. */
function summarize(scenario, result, baseline) {
  const baselineRps = baseline?.requestsPerSec;
  const statusCodes = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = count;
  }
  const responses = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  const non200 = responses - (statusCodes['200'] ?? 0);
  const rps = result.requests.average;
  const cpuUs = result.serverCpuMs === undefined ? null : (1000 * result.serverCpuMs) / responses;
  const row = {
    scenario: scenario.name,
    requestsPerSec: round(rps, 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ratioToBaseline: baselineRps ? round(rps / baselineRps, 4) : null,
    serverCpuUsPerRequest: cpuUs === null ? null : round(cpuUs, 1),
    // What the req/s ratio would be if each server had a CPU to itself.
    cpuRatioToBaseline:
      cpuUs && baseline?.serverCpuUsPerRequest
        ? round(baseline.serverCpuUsPerRequest / cpuUs, 4)
        : null,
    requests: responses,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    non200,
    bodyMismatches: result.mismatches,
    statusCodes,
    durationSec: result.duration,
    failed: result.errors > 0 || result.non2xx > 0 || non200 > 0 || result.mismatches > 0,
  };
  if (scenario.targets) row.targets = checkTargets(scenario.targets, row);
  return row;
}

function checkTargets({ minRatio, maxP99Ms }, row) {
  const checks = {};
  if (minRatio !== undefined) {
    checks.minRatio = {
      want: minRatio,
      got: row.ratioToBaseline,
      met: row.ratioToBaseline >= minRatio,
    };
  }
  if (maxP99Ms !== undefined) {
    checks.maxP99Ms = { want: maxP99Ms, got: row.p99Ms, met: row.p99Ms < maxP99Ms };
  }
  return checks;
}

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function targetText(row) {
  if (!row.targets) return '';
  const parts = [];
  const { minRatio, maxP99Ms } = row.targets;
  if (minRatio) parts.push(`ratio >= ${minRatio.want} ${minRatio.met ? 'met' : 'MISSED'}`);
  if (maxP99Ms) parts.push(`p99 < ${maxP99Ms.want} ms ${maxP99Ms.met ? 'met' : 'MISSED'}`);
  return parts.join(', ');
}

function printTable(rows, meta, out = process.stdout) {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'ratio',
    'errors/non-2xx',
    'server cpu µs/req',
    'cpu ratio',
    'result',
    'targets',
  ];
  const lines = rows.map((row) => [
    row.scenario,
    Math.round(row.requestsPerSec).toLocaleString('en-US'),
    String(row.p50Ms),
    String(row.p99Ms),
    row.ratioToBaseline === null ? '-' : row.ratioToBaseline.toFixed(3),
    `${row.errors}/${row.non2xx}`,
    row.serverCpuUsPerRequest === null ? '-' : row.serverCpuUsPerRequest.toFixed(0),
    row.cpuRatioToBaseline === null ? '-' : row.cpuRatioToBaseline.toFixed(3),
    row.failed ? 'FAILED' : 'ok',
    targetText(row),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i].length)));
  const left = new Set([0, 8, 9]);
  const format = (cells) =>
    cells
      .map((cell, i) => (left.has(i) ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  out.write(
    `\nGatehouse bench: ${meta.connections} connections, pipelining ${meta.pipelining}, ` +
      `${meta.durationSec} s per scenario, database ${meta.database}, bcrypt cost ${meta.bcryptCost}, ` +
      `node ${meta.node}, ${meta.cpus} CPUs, load average ${meta.loadAverageAtStart[0]} at start` +
      `${meta.serverEnv ? `, server env ${meta.serverEnv}` : ''}` +
      `${meta.profiling ? ', PROFILING (figures are lower)' : ''}\n\n`,
  );
  out.write(`${format(header)}\n${format(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const line of lines) out.write(`${format(line)}\n`);
  for (const row of rows.filter((r) => r.failed)) {
    out.write(
      `\n${row.scenario} FAILED: ${row.errors} errors (${row.timeouts} timeouts), ${row.non2xx} non-2xx, ` +
        `${row.non200} non-200, ${row.bodyMismatches} unexpected bodies; status codes ${JSON.stringify(row.statusCodes)}\n`,
    );
  }
  out.write(
    '\nTargets (issue 2): client_credentials >= 0.08 of baseline req/s, p99 < 25 ms at 50 connections.\n' +
      'server cpu µs/req: CPU time of the server process (all threads) per response in the measured\n' +
      'run; unlike req/s it hardly depends on what else runs on the machine. cpu ratio: baseline\n' +
      "cpu/req over the scenario's, the req/s ratio if each server had a CPU to itself (the load\n" +
      'generator shares this machine and can cap the baseline, which flatters the req/s ratio).\n',
  );
}

function writeJson(file, rows, meta) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...meta, results: rows }, null, 2)}\n`);
}

module.exports = { summarize, printTable, writeJson };
