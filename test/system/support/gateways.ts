import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingHttpHeaders, request as httpRequest, createServer, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/free-port';

/** deploy/ in the source tree (the compiled file sits at <out>/test/system/support/). */
export const DEPLOY = join(__dirname, '..', '..', '..', '..', 'deploy');

/** Debian's packages (`apt-get install nginx caddy`); /usr/sbin is not on every user's PATH. */
export const NGINX_PATH = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
export const CADDY_PATH = process.env.CADDY_PATH ?? '/usr/bin/caddy';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request over a fresh connection, the path sent exactly as given (no URL parsing, so
 * dot segments reach the gateway as a client could send them).
 */
export function send(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string> },
): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`${options.path}: no answer in 15 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** What the upstream received, as it echoes it back. */
export interface EchoedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A tiny protected API: it answers every request with what it received, as JSON. */
export class Upstream {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** Every request that reached it, oldest first. */
    readonly hits: EchoedRequest[],
  ) {}

  static async start(): Promise<Upstream> {
    const hits: EchoedRequest[] = [];
    const server = createServer((request, response) => {
      const echoed = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
      };
      hits.push(echoed);
      request.resume();
      response
        .writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' })
        .end(JSON.stringify(echoed));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new Upstream(server, `http://127.0.0.1:${port}`, hits);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/** A stand-in for a Gatehouse that cannot tell (docs/access.md): 503 to every decision. */
export async function startUnavailableGatehouse(): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const server = createServer((request, response) => {
    request.resume();
    response
      .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
      .end(JSON.stringify({ error: 'temporarily_unavailable' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface GatewayAddresses {
  /** Where Gatehouse listens, e.g. http://127.0.0.1:3000. */
  gatehouseUrl: string;
  /** The protected API, e.g. http://127.0.0.1:9000. */
  upstreamUrl: string;
}

/** A gateway process started from the configuration in deploy/. */
export class Gateway {
  private exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: () => string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /**
   * nginx from deploy/nginx: gatehouse.conf.template rendered envsubst-style (only the three
   * placeholders), beside a copy of deploy/nginx/nginx.conf, in a private prefix; not a daemon.
   */
  static async nginx(addresses: GatewayAddresses): Promise<Gateway> {
    const port = await freePort();
    const dir = gatewayDir('gatehouse-nginx-');
    const template = readFileSync(join(DEPLOY, 'nginx', 'gatehouse.conf.template'), 'utf8');
    writeFileSync(
      join(dir, 'gatehouse.conf'),
      render(template, {
        LISTEN_PORT: String(port),
        GATEHOUSE_URL: addresses.gatehouseUrl,
        UPSTREAM_URL: addresses.upstreamUrl,
      }),
    );
    writeFileSync(join(dir, 'nginx.conf'), readFileSync(join(DEPLOY, 'nginx', 'nginx.conf')));
    const args = ['-p', dir, '-c', 'nginx.conf', '-e', 'stderr', '-g', 'daemon off;'];
    return Gateway.launch('nginx', NGINX_PATH, args, {}, port, dir);
  }

  /** Caddy from deploy/caddy/Caddyfile, addresses through its {$ENV} placeholders. */
  static async caddy(addresses: GatewayAddresses): Promise<Gateway> {
    const port = await freePort();
    const dir = gatewayDir('gatehouse-caddy-');
    const config = join(DEPLOY, 'caddy', 'Caddyfile');
    const env = {
      LISTEN_PORT: String(port),
      GATEHOUSE_URL: addresses.gatehouseUrl,
      UPSTREAM_URL: addresses.upstreamUrl,
      // Caddy keeps an autosave of its config and its certificate storage under these.
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_DATA_HOME: join(dir, 'data'),
    };
    const args = ['run', '--config', config, '--adapter', 'caddyfile'];
    return Gateway.launch('caddy', CADDY_PATH, args, env, port, dir);
  }

  private static async launch(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    port: number,
    dir: string,
  ): Promise<Gateway> {
    const child = spawn(command, args, {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const gateway = new Gateway(name, `http://127.0.0.1:${port}`, child, dir, () => output);
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    await Promise.race([gateway.listening(port), spawnError]).catch(async (error: Error) => {
      await gateway.stop();
      throw new Error(`${name} did not start: ${error.message}\n${output}`);
    });
    return gateway;
  }

  /** Its output so far (errors and logs), for failure messages. */
  get log(): string {
    return this.output();
  }

  /** SIGTERM (nginx: fast shutdown, Caddy: graceful stop), SIGKILL after 5 s; then tidy up. */
  async stop(): Promise<void> {
    const running = this.child.exitCode === null && this.child.signalCode === null;
    // No pid: the program could not be started at all, and there is nothing to wait for.
    if (running && this.child.pid !== undefined) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async listening(port: number): Promise<void> {
    const deadline = Date.now() + 15_000;
    let running = true;
    void this.exited.then(() => (running = false));
    while (Date.now() < deadline) {
      if (!running) throw new Error(`exited with ${this.child.exitCode ?? this.child.signalCode}`);
      if (await accepts(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('not listening after 15 s');
  }
}

/** envsubst '${A} ${B}': only the named placeholders, so nginx's own $variables stay. */
export function render(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** A temp dir other users can enter: nginx's workers run as nobody when the master is root. */
function gatewayDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
