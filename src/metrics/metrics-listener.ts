import http, { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Exposition {
  contentType: string;
  body: string;
}

export interface MetricsAddress {
  host: string;
  /** 0 picks a free port (tests); read the one bound from `port`. */
  port: number;
}

const METRICS_PATH = '/metrics';

/**
 * The metrics listener (docs/metrics.md): its own node:http server on METRICS_HOST:METRICS_PORT,
 * apart from the public one, answering `GET /metrics` (and HEAD) with the Prometheus text
 * format; 404 for any other path, 405 with `Allow` for another method on /metrics.
 */
export class MetricsListener {
  private constructor(private readonly server: Server) {}

  static async start(
    address: MetricsAddress,
    expose: () => Promise<Exposition>,
  ): Promise<MetricsListener> {
    const server = http.createServer((request, response) => {
      answer(request, response, expose);
    });
    // Scrapers keep connections alive; they must not hold shutdown up.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new MetricsListener(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

function answer(
  request: IncomingMessage,
  response: ServerResponse,
  expose: () => Promise<Exposition>,
): void {
  const query = request.url?.indexOf('?') ?? -1;
  const path = query === -1 ? request.url : request.url?.slice(0, query);
  if (path !== METRICS_PATH) return plain(response, 404, 'Not Found\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return plain(response, 405, 'Method Not Allowed\n');
  }
  expose().then(
    ({ contentType, body }) => {
      response.writeHead(200, {
        'Content-Type': contentType,
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    },
    () => plain(response, 503, 'Metrics unavailable\n'),
  );
}

function plain(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}
