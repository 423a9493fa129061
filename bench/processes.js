'use strict';
// Child-process bookkeeping for the bench: free ports, IPC requests, and a stopAll() that the
// harness runs on every way out (normal end, error, Ctrl-C, SIGTERM).
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const net = require('node:net');

const children = new Set();

/** A port the kernel says is free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Remembers `child` so stopAll() ends it; keeps the last lines of its output for errors. */
function track(child, name, { forward = true } = {}) {
  const entry = { child, name, tail: [], exited: false };
  children.add(entry);
  const collect = (stream, out) => {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        entry.tail.push(line);
        if (entry.tail.length > 60) entry.tail.shift();
        if (forward) out.write(`[${name}] ${line}\n`);
      }
    });
  };
  collect(child.stdout, process.stderr);
  collect(child.stderr, process.stderr);
  entry.exitPromise = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      entry.exited = true;
      children.delete(entry);
      resolve({ code, signal });
    }),
  );
  return entry;
}

let nextId = 1;
/** Sends `message` over the child's IPC channel and waits for the reply with the same id. */
function ipcRequest(child, message, timeoutMs = 60_000) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no IPC reply to ${message.type} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (reply) => {
      if (!reply || reply.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (reply.ok) resolve(reply);
      else reject(new Error(reply.error));
    };
    child.on('message', onMessage);
    child.send({ ...message, id });
  });
}

/** SIGTERM to every tracked child, SIGKILL to any still running after `graceMs`. */
async function stopAll(graceMs = 5_000) {
  const entries = [...children];
  for (const entry of entries) {
    if (!entry.exited) entry.child.kill('SIGTERM');
  }
  await Promise.all(
    entries.map(async (entry) => {
      let timer;
      const killed = new Promise((resolve) => {
        timer = setTimeout(() => {
          if (!entry.exited) entry.child.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([entry.exitPromise, killed]);
      clearTimeout(timer);
      await entry.exitPromise;
    }),
  );
}

/** Synchronous last resort for process 'exit': no waiting possible there. */
function killAllNow() {
  for (const entry of children) {
    if (!entry.exited) entry.child.kill('SIGKILL');
  }
}

let clockTicks;
/**
 * CPU time (user + system, all threads) a process has used, in ms; Linux only (/proc), else
 * undefined. CPU per request does not depend on what else runs on the machine.
 */
function cpuTimeMs(pid) {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the process `pid` uses under 5% of a CPU over a quarter second, at most
 * `timeoutMs`: work a previous run left queued (a bcrypt compare cannot be called back when
 * autocannon drops its connections) must not count against the next one. Resolves with the
 * ms waited; at once where /proc is missing.
 */
async function waitUntilIdle(pid, timeoutMs = 15_000) {
  const started = Date.now();
  const sampleMs = 250;
  let before = cpuTimeMs(pid);
  while (before !== undefined && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const after = cpuTimeMs(pid);
    if (after === undefined || after - before < sampleMs * 0.05) break;
    before = after;
  }
  return Date.now() - started;
}

module.exports = { freePort, track, ipcRequest, stopAll, killAllNow, cpuTimeMs, waitUntilIdle };
