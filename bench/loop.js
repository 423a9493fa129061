'use strict';
// A closed loop for scenarios that autocannon cannot express as one request (a whole
// authorization code flow is seven): `concurrency` workers each run `iteration()` back to back
// for `durationSec`. An iteration that ends after the deadline is neither counted nor timed.

const MAX_ERROR_SAMPLES = 5;

/**
 * Resolves with { latencies (ms), errors, errorSamples, durationSec }. Setting
 * `control.stopped` ends the loop early (Ctrl-C).
 */
async function runLoop({ concurrency, durationSec, iteration, control = {} }) {
  const latencies = [];
  const errorSamples = [];
  let errors = 0;
  const deadline = performance.now() + durationSec * 1000;
  const worker = async () => {
    while (!control.stopped && performance.now() < deadline) {
      const begin = performance.now();
      try {
        await iteration();
        const end = performance.now();
        if (end <= deadline) latencies.push(end - begin);
      } catch (error) {
        errors += 1;
        if (errorSamples.length < MAX_ERROR_SAMPLES)
          errorSamples.push(String(error?.message ?? error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, errorSamples, durationSec };
}

/** The autocannon-like summary the report reads: mean per second, p50 and p99 in ms. */
function loopResult({ latencies, errors, errorSamples, durationSec }) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (p) =>
    sorted.length
      ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)])
      : 0;
  return {
    requestsPerSec: latencies.length / durationSec,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    responses: latencies.length,
    statusCodes: {},
    errors,
    errorSamples,
    timeouts: 0,
    unexpectedStatus: 0,
    mismatches: 0,
    durationSec,
  };
}

module.exports = { runLoop, loopResult };
