import { expect } from 'expect';
import { AddressInfo, connect, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestApp, TestApp } from './support/test-app';
import { within } from './support/within';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A connection on which a request has begun (its first header line sent) but not ended. */
async function begunRequest(port: number, head: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) =>
    socket.once('connect', resolve).once('error', reject),
  );
  socket.write(head);
  return socket;
}

/**
 * Sends the rest of the request, reads one answer, and tells whether the server then closed the
 * connection (within two seconds).
 */
function finish(socket: Socket, rest: string): Promise<RawAnswer & { closed: boolean }> {
  return new Promise((resolve, reject) => {
    let raw = '';
    let answer: RawAnswer | undefined;
    const closed = new Promise<boolean>((done) => {
      socket.once('close', () => done(true));
      setTimeout(() => done(false), 2000).unref();
    });
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      raw += chunk;
      const end = raw.indexOf('\r\n\r\n');
      if (answer || end === -1) return;
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      const body = raw.slice(end + 4);
      if (body.length < Number(headers['content-length'] ?? 0)) return;
      answer = { status: Number(statusLine.split(' ')[1]), headers, body };
      const done = answer;
      void closed.then((wasClosed) => {
        socket.destroy();
        resolve({ ...done, closed: wasClosed });
      });
    });
    socket.write(rest);
  });
}

/**
 * docs/operations.md: on shutdown the server stops accepting and answers what is in flight; a request that
 * still arrives on an open connection gets 503 with `Connection: close`, on every route: the
 * access decisions served from node:http as well as the routes Fastify serves.
 */
describe('shutdown: requests on open connections get 503 with Connection: close', () => {
  let sut: TestApp;
  let port: number;

  before(async () => {
    sut = await startTestApp();
    await sut.app.listen(0, '127.0.0.1');
    port = (sut.app.getHttpServer().address() as AddressInfo).port;
  });
  after(async () => {
    await sut.close().catch(() => undefined);
  });

  it('/access/check, the gateway route and a Fastify route answer alike while the app closes', async () => {
    const json = 'Content-Type: application/json\r\n';
    const body = '{"resource":"invoices","action":"read"}';
    const pending = {
      check: await begunRequest(port, 'POST /access/check HTTP/1.1\r\nHost: gatehouse\r\n'),
      gateway: await begunRequest(port, 'GET /access/gateway/invoices/1 HTTP/1.1\r\n'),
      fastify: await begunRequest(port, 'POST /introspect HTTP/1.1\r\nHost: gatehouse\r\n'),
    };

    const closing = sut.close();
    const server = sut.app.getHttpServer();
    expect(await within(10000, () => Promise.resolve(!server.listening))).toBe(true);

    const keepAlive = 'Connection: keep-alive\r\nAuthorization: Bearer x.y.z\r\n';
    const answers = {
      check: await finish(
        pending.check,
        `${keepAlive}${json}Content-Length: ${body.length}\r\n\r\n${body}`,
      ),
      gateway: await finish(pending.gateway, `Host: gatehouse\r\n${keepAlive}\r\n`),
      fastify: await finish(
        pending.fastify,
        `${keepAlive}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\ntoken=x`,
      ),
    };
    await closing;

    const expected = {
      status: 503,
      connection: 'close',
      type: 'application/json',
      body: { error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 },
      closed: true,
    };
    for (const [route, answer] of Object.entries(answers)) {
      expect({
        route,
        status: answer.status,
        connection: answer.headers.connection,
        type: answer.headers['content-type'],
        body: JSON.parse(answer.body) as unknown,
        closed: answer.closed,
      }).toEqual({ route, ...expected });
    }
  });
});
