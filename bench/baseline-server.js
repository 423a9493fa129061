'use strict';
// The baseline: the fastest a Node HTTP server answers on this machine. A raw node:http server
// with keep-alive that answers {"ok":true}. startBaseline() forks this file as a child process;
// the child reports its port over IPC and exits when the harness goes away.
const { fork } = require('node:child_process');
const http = require('node:http');
const { track } = require('./processes');

const BODY = Buffer.from('{"ok":true}');

/** The child's side: listen on a free loopback port and tell the parent which. */
function serve() {
  const server = http.createServer((request, response) => {
    // Drain any request body so the keep-alive connection stays usable.
    request.resume();
    request.on('end', () => {
      response.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': BODY.length,
      });
      response.end(BODY);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    if (process.send) process.send({ type: 'listening', port });
    else process.stdout.write(`baseline listening on http://127.0.0.1:${port}\n`);
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}

/** The harness's side: forks the baseline server; resolves with its URL once it listens. */
function startBaseline() {
  const child = fork(__filename, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const entry = track(child, 'baseline');
  return new Promise((resolve, reject) => {
    child.once('message', (message) => {
      if (message && message.type === 'listening') {
        resolve({ url: `http://127.0.0.1:${message.port}`, child });
      }
    });
    entry.exitPromise.then(({ code, signal }) =>
      reject(
        new Error(`baseline server exited early (${signal ?? code})\n${entry.tail.join('\n')}`),
      ),
    );
  });
}

if (require.main === module) serve();

module.exports = { startBaseline };
