import { Server } from 'node:net';
import https, { Agent } from 'node:https';
import { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A self-signed certificate (its own CA) for 127.0.0.1, ::1, localhost and jwks.gatehouse.test,
 * valid 2000-2100, for local https servers in tests only. Made with:
 *   openssl ca -selfsign -startdate 20000101000000Z -enddate 21000101000000Z, EC P-256,
 *   subjectAltName DNS:localhost,DNS:jwks.gatehouse.test,IP:127.0.0.1,IP:::1, CA:TRUE.
 */
export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBwjCCAWigAwIBAgIBATAKBggqhkjOPQQDAjAlMSMwIQYDVQQDDBpHYXRlaG91
c2UgdGVzdCBKV0tTIHNlcnZlcjAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAw
MDAwMFowJTEjMCEGA1UEAwwaR2F0ZWhvdXNlIHRlc3QgSldLUyBzZXJ2ZXIwWTAT
BgcqhkjOPQIBBggqhkjOPQMBBwNCAARunOn9aaEUJ0tDW4i4QEvriTeZbU3zan5R
Ph9ZSeM1Q6qITa2A/kMVsgB42TyFUZe2olvNLt0ekfrRvWe//+hlo4GGMIGDMEEG
A1UdEQQ6MDiCCWxvY2FsaG9zdIITandrcy5nYXRlaG91c2UudGVzdIcEfwAAAYcQ
AAAAAAAAAAAAAAAAAAAAATAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIC
hDAdBgNVHQ4EFgQUTOy4P2ogVgMJtJ0BegcI+miYC9wwCgYIKoZIzj0EAwIDSAAw
RQIhAN8Ob6H7a/MGzVWkCI8BsG5S90yXR3EkTZizldPjJwEGAiB4DgWI/VFmCv0O
/LIlBor103w3BHIec2ioLaHx2mraZQ==
-----END CERTIFICATE-----
`;

const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgpL759NgKYnTmtlPy
gavSypMe7lgOD/EC6YepNXdDFWehRANCAARunOn9aaEUJ0tDW4i4QEvriTeZbU3z
an5RPh9ZSeM1Q6qITa2A/kMVsgB42TyFUZe2olvNLt0ekfrRvWe//+hl
-----END PRIVATE KEY-----
`;

/** An https Agent that trusts TEST_TLS_CERT, for the code under test to reach the servers below. */
export function trustingAgent(): Agent {
  return new Agent({ ca: TEST_TLS_CERT, keepAlive: false });
}

export interface HttpsTestServer {
  port: number;
  /** `https://127.0.0.1:<port><path>` */
  url(path: string, host?: string): string;
  /** TCP connections accepted so far, on every address the server listens on. */
  connections: number;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

function listen(server: Server, port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
}

/**
 * An https server with TEST_TLS_CERT on 127.0.0.1 and, where the machine has IPv6, on ::1 at the
 * same port, so that every loopback address a name like localhost can resolve to reaches it
 * and is counted.
 */
export async function startHttpsServer(handler: Handler): Promise<HttpsTestServer> {
  const servers: Server[] = [];
  const state: HttpsTestServer = {
    port: 0,
    url: (path, host = '127.0.0.1') => `https://${host}:${state.port}${path}`,
    connections: 0,
    requests: [],
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              (server as https.Server).closeAllConnections?.();
            }),
        ),
      );
    },
  };
  const make = () => {
    const server = https.createServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY }, (req, res) => {
      state.requests.push(req.url ?? '');
      handler(req, res);
    });
    server.on('connection', () => state.connections++);
    servers.push(server);
    return server;
  };
  const first = make();
  if (!(await listen(first, 0, '127.0.0.1'))) throw new Error('cannot listen on 127.0.0.1');
  const address = first.address();
  state.port = typeof address === 'object' && address ? address.port : 0;
  const second = make();
  if (!(await listen(second, state.port, '::1'))) servers.pop();
  return state;
}
