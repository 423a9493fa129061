import { ChildProcess, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  AppSurface,
  InjectResult,
  surfaceOver,
} from '../../support/test-app';
import { freePort } from '../../support/free-port';

/** The server as `npm start` runs it, compiled beside the tests (dist-test/src/main.js). */
const MAIN = join(__dirname, '..', '..', '..', 'src', 'main.js');

/** The settings every drill process gets, as test/support/test-app.ts gives the in-process app. */
const BASE_SETTINGS: Record<string, string> = {
  ISSUER: 'http://localhost:3000',
  HOST: '127.0.0.1',
  BCRYPT_COST: '4',
  LOG_LEVEL: 'warn',
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  RATE_LIMIT_PER_CLIENT: '100000000',
  RATE_LIMIT_PER_IP: '100000000',
  CLIENT_AUTH_MAX_FAILURES: '1000',
  CLIENT_AUTH_MAX_FAILURES_PER_IP: '100000',
  CLIENT_AUTH_MAX_FAILURES_PER_CLIENT: '1000000',
  RATE_LIMIT_BCRYPT_PER_IP: '1000000',
};

/** How a process ended: its exit code, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A Gatehouse server process (`node src/main.js`) on a port of 127.0.0.1, and requests to it. */
export interface GatehouseProcess extends AppSurface {
  readonly port: number;
  readonly pid: number;
  /** Resolves when the process has ended. */
  readonly exited: Promise<Exit>;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after five seconds; resolves when it has ended. */
  stop(): Promise<Exit>;
}

/**
 * Starts Gatehouse as its own process with `settings` over BASE_SETTINGS (DATABASE_URL and
 * KEY_ENCRYPTION_KEY among them), and resolves once it listens. Requests go over keep-alive
 * connections of its own; a request that gets no answer (refused, reset) rejects.
 */
export async function startGatehouse(
  settings: Record<string, string>,
  timeoutMs = 30_000,
): Promise<GatehouseProcess> {
  // A PORT in `settings` is honoured, so that ISSUER can name it (the console's redirect URIs).
  const port = settings.PORT ? Number(settings.PORT) : await freePort();
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...BASE_SETTINGS, PORT: String(port), ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Listening once /health/live answers 200 (the start line is a log line, and LOG_LEVEL here
  // is warn: docs/observability.md).
  const listening = new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => settle(new Error(`not listening within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        lines.push(line);
        if (lines.length > 80) lines.shift();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    void exited.then((exit) =>
      settle(new Error(`exited (${exit.signal ?? exit.code}) before listening`)),
    );
    const probe = () => {
      if (settled) return;
      const again = () => setTimeout(probe, 100);
      const asked = httpRequest(
        { host: '127.0.0.1', port, path: '/health/live', timeout: 1000 },
        (response) => {
          response.resume();
          if (response.statusCode === 200) settle();
          else again();
        },
      );
      asked.on('timeout', () => asked.destroy());
      asked.on('error', again);
      asked.end();
    };
    probe();
  });
  const output = () => lines.join('\n');
  await listening.catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}:\n${output()}`);
  });

  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const request: AppSurface['request'] = ({ method, url, headers = {}, payload }) =>
    new Promise<InjectResult>((resolve, reject) => {
      const body =
        payload === undefined
          ? undefined
          : typeof payload === 'string' || Buffer.isBuffer(payload)
            ? payload
            : JSON.stringify(payload);
      const outgoing = httpRequest(
        { host: '127.0.0.1', port, method, path: url, headers, agent, timeout: 15_000 },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              statusCode: response.statusCode ?? 0,
              headers: response.headers,
              body: text,
              json: () => JSON.parse(text),
            });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 15 s')));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  const surface = surfaceOver(request);
  let ended = false;
  void exited.then(() => {
    ended = true;
    agent.destroy();
  });
  return {
    ...surface,
    port,
    pid: child.pid!,
    exited,
    output,
    kill: (signal) => {
      if (!ended) child.kill(signal);
    },
    stop: async () => {
      if (!ended) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}
