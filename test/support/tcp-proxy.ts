import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy a test controls, e.g. between the app and PostgreSQL or Redis: `cut` destroys
 * every proxied connection and refuses new ones until `restore`; `refuse` only refuses new ones
 * and leaves the open ones be.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private open = true;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on a free port of 127.0.0.1; resolves with it. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Ends every proxied connection and refuses new ones. */
  cut(): void {
    this.refuse();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Refuses new connections (they are accepted and closed at once); open ones go on. */
  refuse(): void {
    this.open = false;
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', drop).on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** A proxy in front of `url`'s host and port, and `url` rewritten to go through it. */
export async function proxyInFrontOf(
  url: string,
  defaultPort: number,
): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(url);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || defaultPort) });
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(await proxy.listen());
  return { proxy, url: proxied.toString() };
}
