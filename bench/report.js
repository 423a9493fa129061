'use strict';
// Turns autocannon results into table rows, prints them, and writes bench/results/latest.json.
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

/** One row: the figures that matter plus everything that went wrong. */
function summarize(scenario, result, baseline, connections) {
  const baselineRps = baseline?.requestsPerSec;
  const rps = result.requestsPerSec;
  const responses = result.responses;
  const cpuUs =
    result.serverCpuMs === undefined || !responses ? null : (1000 * result.serverCpuMs) / responses;
  const statusCodes = result.statusCodes;
  const row = {
    scenario: scenario.name,
    ...(scenario.unit ? { unit: scenario.unit } : {}),
    connections,
    // Slow rows (logins, flows) keep more digits: their ratios are computed from this.
    requestsPerSec: round(rps, rps < 100 ? 3 : 1),
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    ratioToBaseline: baselineRps ? round(rps / baselineRps, 4) : null,
    ...(scenario.reference
      ? { reference: scenario.reference, ratioToReference: null, cpuRatioToReference: null }
      : {}),
    serverCpuUsPerRequest: cpuUs === null ? null : round(cpuUs, 1),
    // What the req/s ratio would be if each server had a CPU to itself.
    cpuRatioToBaseline:
      cpuUs && baseline?.serverCpuUsPerRequest
        ? round(baseline.serverCpuUsPerRequest / cpuUs, 4)
        : null,
    requests: responses,
    errors: result.errors,
    timeouts: result.timeouts,
    ...(result.expectStatus !== undefined ? { expectStatus: result.expectStatus } : {}),
    non2xx: result.non2xx ?? 0,
    unexpectedStatus: result.unexpectedStatus,
    bodyMismatches: result.mismatches,
    ...(result.errorSamples?.length ? { errorSamples: result.errorSamples } : {}),
    statusCodes,
    durationSec: result.durationSec,
    failed:
      result.errors > 0 ||
      result.unexpectedStatus > 0 ||
      result.mismatches > 0 ||
      // Nothing answered at all is no measurement either.
      responses === 0,
  };
  if (scenario.targets) row.targets = checkTargets(scenario.targets, row);
  return row;
}

/** Fills in ratioToReference (and its target) once every row is known. */
function compareWithReferences(rows, scenarios) {
  for (const row of rows) {
    if (!row.reference) continue;
    const reference = rows.find((r) => r.scenario === row.reference);
    if (reference?.requestsPerSec) {
      row.ratioToReference = round(row.requestsPerSec / reference.requestsPerSec, 4);
    }
    // The ref ratio this row would reach if it were CPU-bound like its reference: far less
    // sensitive to other work on the machine than the req/s ratio of two runs in turn.
    if (reference?.serverCpuUsPerRequest && row.serverCpuUsPerRequest) {
      row.cpuRatioToReference = round(
        reference.serverCpuUsPerRequest / row.serverCpuUsPerRequest,
        4,
      );
    }
    const scenario = scenarios.find((s) => s.name === row.scenario);
    if (scenario?.targets) row.targets = checkTargets(scenario.targets, row);
  }
}

function checkTargets({ minRatio, maxP99Ms, minReferenceRatio, minReferenceCpuRatio }, row) {
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
  if (minReferenceRatio !== undefined) {
    checks.minReferenceRatio = {
      want: minReferenceRatio,
      of: row.reference,
      got: row.ratioToReference,
      met: row.ratioToReference !== null && row.ratioToReference >= minReferenceRatio,
    };
  }
  if (minReferenceCpuRatio !== undefined) {
    checks.minReferenceCpuRatio = {
      want: minReferenceCpuRatio,
      of: row.reference,
      got: row.cpuRatioToReference,
      met: row.cpuRatioToReference != null && row.cpuRatioToReference >= minReferenceCpuRatio,
    };
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
  const { minRatio, maxP99Ms, minReferenceRatio, minReferenceCpuRatio } = row.targets;
  if (minRatio) parts.push(`ratio >= ${minRatio.want} ${minRatio.met ? 'met' : 'MISSED'}`);
  if (maxP99Ms) parts.push(`p99 < ${maxP99Ms.want} ms ${maxP99Ms.met ? 'met' : 'MISSED'}`);
  if (minReferenceRatio) {
    parts.push(
      `ref ratio >= ${minReferenceRatio.want} ${minReferenceRatio.met ? 'met' : 'MISSED'}`,
    );
  }
  if (minReferenceCpuRatio) {
    const { want, met } = minReferenceCpuRatio;
    parts.push(`ref cpu ratio >= ${want} ${met ? 'met' : 'MISSED'}`);
  }
  return parts.join(', ');
}

const fixed = (value, digits) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);

function printTable(rows, meta, out = process.stdout) {
  const header = [
    'scenario',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'ratio',
    'ref ratio',
    'ref cpu ratio',
    'errors/bad status',
    'server cpu µs/req',
    'cpu ratio',
    'result',
    'targets',
  ];
  const lines = rows.map((row) => [
    row.scenario,
    String(row.connections),
    row.requestsPerSec >= 100
      ? Math.round(row.requestsPerSec).toLocaleString('en-US')
      : row.requestsPerSec.toFixed(row.requestsPerSec < 10 ? 2 : 1),
    String(row.p50Ms),
    String(row.p99Ms),
    fixed(row.ratioToBaseline, 4),
    fixed(row.ratioToReference, 3),
    fixed(row.cpuRatioToReference, 3),
    `${row.errors}/${row.unexpectedStatus}`,
    row.serverCpuUsPerRequest === null ? '-' : row.serverCpuUsPerRequest.toFixed(0),
    fixed(row.cpuRatioToBaseline, 4),
    row.failed ? 'FAILED' : 'ok',
    targetText(row),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i].length)));
  const left = new Set([0, 11, 12]);
  const format = (cells) =>
    cells
      .map((cell, i) => (left.has(i) ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  out.write(
    `\nGatehouse bench: pipelining ${meta.pipelining}, ` +
      `${meta.durationSec} s per scenario, database ${meta.database}, bcrypt cost ${meta.bcryptCost}, ` +
      `thread pool ${meta.threadPoolSize}, node ${meta.node}, ${meta.cpus} CPUs, load average ${meta.loadAverageAtStart[0]} at start` +
      `${meta.serverEnv ? `, server env ${meta.serverEnv}` : ''}` +
      `${meta.profiling ? ', PROFILING (figures are lower)' : ''}\n\n`,
  );
  out.write(`${format(header)}\n${format(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const line of lines) out.write(`${format(line)}\n`);
  for (const row of rows.filter((r) => r.failed)) {
    out.write(
      `\n${row.scenario} FAILED: ${row.errors} errors (${row.timeouts} timeouts), ` +
        `${row.unexpectedStatus} answers other than ${row.expectStatus ?? 'success'}, ` +
        `${row.bodyMismatches} unexpected bodies or headers; status codes ${JSON.stringify(row.statusCodes)}` +
        `${row.errorSamples ? `; first errors: ${row.errorSamples.join(' | ')}` : ''}` +
        `${row.requests === 0 ? '; nothing completed within the measured run' : ''}\n`,
    );
  }
  const units = rows.filter((r) => r.unit).map((r) => `${r.unit}/s for ${r.scenario}`);
  out.write(
    '\nconns: connections (or flows, or compares) in flight. req/s' +
      `${units.length ? ` (${units.join(', ')})` : ''}: mean per second;\n` +
      "p50/p99 per request (per flow, per compare). ratio: req/s over the baseline's. ref ratio:\n" +
      "req/s over bcrypt_compare's, a raw bcrypt.compare loop at the server's cost with as many\n" +
      "compares in flight as the server's libuv thread pool has threads, run in its own process.\n" +
      "ref cpu ratio: bcrypt_compare's CPU per compare over the row's server CPU per request (per\n" +
      'flow): the ref ratio a CPU-bound run reaches, much steadier under other load.\n' +
      'errors/bad status: connection errors and timeouts / answers with another status than the\n' +
      'expected one (200; 303 to /account for password_login).\n' +
      'Targets: issue 2, client_credentials >= 0.08 of baseline req/s and p99 < 25 ms at 50\n' +
      'connections; issue 3, password_login >= 0.9 of bcrypt_compare.\n' +
      'server cpu µs/req: CPU time of the server process (all threads) per response in the measured\n' +
      'run (for bcrypt_compare, of its own process per compare); unlike req/s it hardly depends on\n' +
      "what else runs on the machine. cpu ratio: baseline cpu/req over the scenario's, the req/s\n" +
      'ratio if each server had a CPU to itself (the load generator shares this machine and can cap\n' +
      'the baseline, which flatters the req/s ratio).\n',
  );
}

function writeJson(file, rows, meta) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...meta, results: rows }, null, 2)}\n`);
}

module.exports = { summarize, compareWithReferences, printTable, writeJson };
