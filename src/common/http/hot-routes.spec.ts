import { expect } from 'expect';
import { inject } from 'light-my-request';
import { IncomingMessage, ServerResponse } from 'node:http';
import { beforeEach, describe, it } from 'node:test';
import { InvalidRequestError, TemporarilyUnavailableError } from '../oauth-error';
import { HotRoutes } from './hot-routes';

/** Stands in for Fastify: answers 404 with the path it was handed. */
function fallback(request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' }).end(`fastify ${request.url}`);
}

function answer(text: string) {
  return (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end(text);
  };
}

describe(HotRoutes.name, () => {
  let sut: HotRoutes;
  const send = (method: string, url: string) =>
    inject(sut.listener(fallback), { method: method as 'GET', url });

  beforeEach(() => {
    sut = new HotRoutes();
  });

  it('serves an exact path for its methods, a query string included, and hands on the rest', async () => {
    sut.add({ methods: ['POST'], path: '/decide' }, answer('hot'));
    expect((await send('POST', '/decide')).body).toBe('hot');
    expect((await send('POST', '/decide?x=1')).body).toBe('hot');
    expect((await send('GET', '/decide')).body).toBe('fastify /decide');
    expect((await send('POST', '/decide/more')).body).toBe('fastify /decide/more');
    expect((await send('POST', '/decider')).body).toBe('fastify /decider');
    expect((await send('POST', '/other')).body).toBe('fastify /other');
  });

  it('serves a prefix route at its path and every path below it, not beside it', async () => {
    sut.add({ methods: ['GET', 'DELETE'], path: '/gate', prefix: true }, answer('gate'));
    for (const url of ['/gate', '/gate?q', '/gate/', '/gate/a/b', '/gate/a?b=/c']) {
      expect((await send('GET', url)).body).toBe('gate');
    }
    expect((await send('DELETE', '/gate/x')).body).toBe('gate');
    expect((await send('GET', '/gateway')).body).toBe('fastify /gateway');
    expect((await send('PUT', '/gate/x')).body).toBe('fastify /gate/x');
  });

  it('tells the observer of each answer by the route as declared, never the request path', async () => {
    const seen: Array<[string, string, number]> = [];
    sut.observe((route, method, status, milliseconds) => {
      expect(milliseconds).toBeGreaterThanOrEqual(0);
      seen.push([route, method, status]);
    });
    sut.add({ methods: ['GET'], path: '/gate', prefix: true }, answer('now'));
    sut.add({ methods: ['POST'], path: '/later' }, async (_request, response) => {
      await new Promise((resolve) => setImmediate(resolve));
      response.writeHead(403).end();
    });
    await send('GET', '/gate/secret-path?token=x');
    await send('POST', '/later');
    await send('GET', '/not-hot');
    expect(seen).toEqual([
      ['/gate', 'GET', 200],
      ['/later', 'POST', 403],
    ]);
  });

  it('renders a thrown error as the exception filter does: its status, the contract shape, no-store', async () => {
    sut.add({ methods: ['GET'], path: '/sync' }, () => {
      throw new InvalidRequestError('resource: is wrong', undefined, { headers: { 'x-a': '1' } });
    });
    sut.add({ methods: ['GET'], path: '/async' }, () =>
      Promise.reject(new TemporarilyUnavailableError('cannot tell')),
    );
    const thrown = await send('GET', '/sync');
    expect({
      status: thrown.statusCode,
      type: thrown.headers['content-type'],
      cache: thrown.headers['cache-control'],
      extra: thrown.headers['x-a'],
      body: thrown.json(),
    }).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      cache: 'no-store',
      extra: '1',
      body: { error: 'invalid_request', message: 'resource: is wrong' },
    });
    const rejected = await send('GET', '/async');
    expect({ status: rejected.statusCode, body: rejected.json() }).toEqual({
      status: 503,
      body: { error: 'temporarily_unavailable', message: 'cannot tell' },
    });
  });

  it('answers 500 without details for a failure nobody expected', async () => {
    sut.add({ methods: ['GET'], path: '/bug' }, () => {
      throw new TypeError('cannot read properties of undefined (secret internals)');
    });
    const response = await send('GET', '/bug');
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 500,
      body: { error: 'server_error', message: 'an unexpected error occurred' },
    });
  });

  it('once closing, answers every hot route 503 with Connection: close without running it, as Fastify does', async () => {
    let ran = 0;
    sut.add({ methods: ['POST'], path: '/decide' }, (_request, response) => {
      ran += 1;
      response.end('hot');
    });
    sut.close();
    const response = await send('POST', '/decide');
    expect({
      status: response.statusCode,
      connection: response.headers.connection,
      type: response.headers['content-type'],
      body: response.json(),
      ran,
    }).toEqual({
      status: 503,
      connection: 'close',
      type: 'application/json',
      body: { error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 },
      ran: 0,
    });
    // Other paths are Fastify's to answer (it closes its own routes).
    expect((await send('GET', '/other')).body).toBe('fastify /other');
  });
});
