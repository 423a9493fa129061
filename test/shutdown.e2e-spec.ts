import { expect } from 'expect';
import { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { begunRequest, finish } from './support/begun-request';
import { startTestApp, TestApp } from './support/test-app';
import { within } from './support/within';

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
