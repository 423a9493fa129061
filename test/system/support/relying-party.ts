import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A tiny relying party: a loopback HTTP server whose /callback records the query the
 * authorization server redirected the browser with (RFC 6749 §4.1.2, RFC 8252 §7.3).
 */
export class RelyingParty {
  private constructor(
    private readonly server: Server,
    readonly redirectUri: string,
    /** The query of every request to /callback, oldest first. */
    readonly callbacks: URLSearchParams[],
  ) {}

  static async start(): Promise<RelyingParty> {
    const callbacks: URLSearchParams[] = [];
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/callback') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      callbacks.push(url.searchParams);
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><title>Relying party</title><h1>Callback received</h1>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new RelyingParty(server, `http://127.0.0.1:${port}/callback`, callbacks);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
