'use strict';
// The reference for password_login: a raw bcrypt.compare loop at the server's cost, in a child
// process with the server's libuv thread pool size (bcrypt runs there, not on the event loop)
// and as many compares in flight as that pool has threads: the most password checks per
// second this machine gives a Node process, which is what a login can at best approach.
const { fork } = require('node:child_process');
const { track } = require('./processes');

const PASSWORD = 'bench reference password';

/** The child's side: hash once, then compare in a loop; report over IPC. */
function child() {
  const bcrypt = require('bcrypt');
  process.on('disconnect', () => process.exit(0));
  process.once('message', async ({ cost, inFlight, durationSec }) => {
    const hash = await bcrypt.hash(PASSWORD, cost);
    const loop = async (seconds) => {
      const latencies = [];
      let errors = 0;
      const deadline = performance.now() + seconds * 1000;
      const worker = async () => {
        while (performance.now() < deadline) {
          const started = performance.now();
          const ok = await bcrypt.compare(PASSWORD, hash);
          const finished = performance.now();
          if (finished > deadline) break; // straddles the end: neither counted nor timed
          if (ok) latencies.push(finished - started);
          else errors += 1;
        }
      };
      // CPU time up to the deadline, like the harness reads the server's when autocannon ends:
      // the compares in flight then count in part, on both sides.
      const cpuBefore = process.cpuUsage();
      let cpu;
      const timer = setTimeout(
        () => (cpu = process.cpuUsage(cpuBefore)),
        deadline - performance.now(),
      );
      await Promise.all(Array.from({ length: inFlight }, worker));
      clearTimeout(timer);
      cpu ??= process.cpuUsage(cpuBefore);
      return { latencies, errors, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    const measured = await loop(durationSec);
    process.send({ type: 'result', ...measured }, () => process.exit(0));
  });
}

/**
 * Runs the loop in a child with UV_THREADPOOL_SIZE=threads and `threads` compares in flight;
 * resolves with { latencies (ms), errors, cpuMs } of the measured `durationSec`.
 */
function runBcryptReference({ cost, threads, durationSec }) {
  const env = { ...process.env, UV_THREADPOOL_SIZE: String(threads) };
  const child = fork(__filename, [], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const entry = track(child, 'bcrypt');
  return new Promise((resolve, reject) => {
    child.once('message', (message) => {
      if (message?.type === 'result') resolve(message);
    });
    entry.exitPromise.then(({ code, signal }) =>
      reject(
        new Error(`bcrypt reference exited early (${signal ?? code})\n${entry.tail.join('\n')}`),
      ),
    );
    child.send({ cost, inFlight: threads, durationSec });
  });
}

if (require.main === module) child();

module.exports = { runBcryptReference };
