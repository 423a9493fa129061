import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEPLOY, NGINX_PATH, render } from './gateways';

/**
 * nginx from deploy/nginx/gatehouse-mtls.conf.template: TLS terminated in front of Gatehouse,
 * the client certificate forwarded in X-SSL-Client-Cert (docs/mtls.md). Not a daemon; stopped
 * with SIGTERM.
 */
export class MtlsProxy {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: () => string,
  ) {}

  static async start(options: {
    port: number;
    gatehouseUrl: string;
    certFile: string;
    keyFile: string;
  }): Promise<MtlsProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mtls-nginx-'));
    chmodSync(dir, 0o755);
    const template = readFileSync(join(DEPLOY, 'nginx', 'gatehouse-mtls.conf.template'), 'utf8');
    writeFileSync(
      join(dir, 'gatehouse.conf'),
      render(template, {
        LISTEN_PORT: `127.0.0.1:${options.port}`,
        GATEHOUSE_URL: options.gatehouseUrl,
        TLS_CERT_FILE: options.certFile,
        TLS_KEY_FILE: options.keyFile,
      }),
    );
    writeFileSync(join(dir, 'nginx.conf'), readFileSync(join(DEPLOY, 'nginx', 'nginx.conf')));
    const child = spawn(
      NGINX_PATH,
      ['-p', dir, '-c', 'nginx.conf', '-e', 'stderr', '-g', 'daemon off;'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const proxy = new MtlsProxy(`https://127.0.0.1:${options.port}`, child, dir, () => output);
    const deadline = Date.now() + 15_000;
    while (!(await accepts(options.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await proxy.stop();
        throw new Error(`nginx did not start:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return proxy;
  }

  get log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
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
