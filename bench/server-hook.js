'use strict';
// Preloaded into the Gatehouse child process (node --require bench/server-hook.js). It only
// talks to the bench harness over the IPC channel and never touches the application:
// - exits when the harness goes away (no orphaned servers after a crash or kill -9);
// - with BENCH_PROFILE=1, starts and stops a V8 CPU profile on request, so a profile covers
//   exactly one measured scenario (the harness asks before and after each run).
const { writeFileSync } = require('node:fs');

if (process.send) {
  // The channel must not keep the server alive on its own.
  process.channel.unref();
  process.on('disconnect', () => process.exit(0));

  let session;
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );

  process.on('message', (message) => {
    if (!message || typeof message !== 'object') return;
    const reply = (payload) => process.send({ id: message.id, ...payload });
    const run = async () => {
      if (message.type === 'profile-start') {
        const inspector = require('node:inspector');
        session = new inspector.Session();
        session.connect();
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: message.intervalUs ?? 500 });
        await post('Profiler.start');
        return {};
      }
      if (message.type === 'profile-stop') {
        const { profile } = await post('Profiler.stop');
        writeFileSync(message.file, JSON.stringify(profile));
        await post('Profiler.disable');
        session.disconnect();
        session = undefined;
        return { file: message.file };
      }
      throw new Error(`unknown message ${message.type}`);
    };
    run().then(
      (result) => reply({ ok: true, ...result }),
      (error) => reply({ ok: false, error: String(error && error.stack ? error.stack : error) }),
    );
  });
}
