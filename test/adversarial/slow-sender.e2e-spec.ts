import { expect } from 'expect';
import { AddressInfo, connect, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, TestApp } from '../support/test-app';

/** What a connection received, and how long after it opened the server closed it. */
interface Ended {
  received: string;
  closedAfterMs: number;
}

/**
 * Opens a socket, writes `chunks` with `gapMs` between them (the last one left unfinished on
 * purpose), and resolves when the server closes the connection, or after `giveUpMs`.
 */
function trickle(port: number, chunks: string[], gapMs: number, giveUpMs: number): Promise<Ended> {
  return new Promise((resolve) => {
    const opened = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (data) => (received += data.toString('latin1')));
    socket.on('error', () => undefined);
    const finish = () => {
      if (closed) return;
      closed = true;
      resolve({ received, closedAfterMs: Date.now() - opened });
    };
    socket.on('close', finish);
    const giveUp = setTimeout(() => {
      finish();
      socket.destroy();
    }, giveUpMs);
    giveUp.unref();
    void (async () => {
      for (const chunk of chunks) {
        if (closed || socket.destroyed) return;
        socket.write(chunk);
        await sleep(gapMs);
      }
    })();
  });
}

/**
 * Slow senders are cut off (docs/security/input.md): a client that never finishes its headers,
 * one that trickles its body, and an idle keep-alive connection are closed by the server after
 * HTTP_HEADERS_TIMEOUT, HTTP_REQUEST_TIMEOUT and HTTP_KEEP_ALIVE_TIMEOUT, over a real socket.
 */
describe('slow senders are cut off by the header, request and keep-alive timeouts', () => {
  let sut: TestApp;
  let port: number;
  // Small timeouts for the test; the margins below are generous for a loaded machine.
  const HEADERS_S = 1;
  const REQUEST_S = 2;
  const KEEP_ALIVE_S = 1;
  const GIVE_UP_MS = 20_000;

  before(async () => {
    sut = await startTestApp({
      HTTP_HEADERS_TIMEOUT: String(HEADERS_S),
      HTTP_REQUEST_TIMEOUT: String(REQUEST_S),
      HTTP_KEEP_ALIVE_TIMEOUT: String(KEEP_ALIVE_S),
      HTTP_IDLE_TIMEOUT: '30',
    });
    await sut.app.listen(0, '127.0.0.1');
    port = (sut.app.getHttpServer().address() as AddressInfo).port;
  });
  after(() => sut.close());

  it('answers 408 and closes a connection whose headers never end', async () => {
    const headers = ['GET /health/live HTTP/1.1\r\n', 'Host: localhost\r\n'];
    for (let i = 0; i < 100; i++) headers.push(`X-Slow-${i}: a\r\n`);
    const ended = await trickle(port, headers, 200, GIVE_UP_MS);
    expect(ended.received).toMatch(/^HTTP\/1\.1 408 /);
    // Cut off long before the 100 headers (20 s) were sent.
    expect(ended.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_S * 1000 - 100);
    expect(ended.closedAfterMs).toBeLessThan(GIVE_UP_MS / 2);
  });

  it('answers 408 and closes a connection whose body trickles in', async () => {
    const head =
      'POST /token HTTP/1.1\r\nHost: localhost\r\n' +
      'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n';
    const body = Array.from({ length: 200 }, () => 'a');
    const ended = await trickle(port, [head, ...body], 200, GIVE_UP_MS);
    expect(ended.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(ended.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_S * 1000 - 100);
    expect(ended.closedAfterMs).toBeLessThan(GIVE_UP_MS / 2);
  });

  it('closes an idle keep-alive connection after its request was answered', async () => {
    const request = 'GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n';
    const ended = await trickle(port, [request], 50, GIVE_UP_MS);
    expect(ended.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(ended.received).toContain(`Keep-Alive: timeout=${KEEP_ALIVE_S}`);
    expect(ended.closedAfterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_S * 1000 - 100);
    expect(ended.closedAfterMs).toBeLessThan(GIVE_UP_MS / 2);
  });

  it('serves a client that sends at an ordinary pace', async () => {
    const ended = await trickle(
      port,
      ['GET /health/live HTTP/1.1\r\n', 'Host: localhost\r\nConnection: close\r\n\r\n'],
      100,
      GIVE_UP_MS,
    );
    expect(ended.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(ended.received).toContain('{"status":"ok"}');
  });
});
