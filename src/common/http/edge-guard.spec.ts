import { expect } from 'expect';
import { inject } from 'light-my-request';
import { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import {
  cookieValue,
  EdgeGuardOptions,
  guardEdge,
  headersProblem,
  repeatsFor,
  urlProblem,
} from './edge-guard';

describe(urlProblem.name, () => {
  const sut = urlProblem;

  it('passes clean targets, percent-encoded UTF-8 included', () => {
    for (const url of [
      '/',
      '/admin/users/3f0c?limit=10&offset=0',
      '/admin/roles/caf%C3%A9',
      '/authorize?scope=openid+profile&state=a%2Fb&redirect_uri=https%3A%2F%2Fa.example%2Fcb',
      '/token?note=a%0Ab',
    ]) {
      expect({ url, problem: sut(url) }).toEqual({ url, problem: undefined });
    }
  });

  it('refuses hostile paths: NUL, controls, invalid UTF-8, raw bytes', () => {
    expect(sut('/admin/users/a%00b')).toEqual({
      field: 'path',
      problem: 'contains a NUL character',
    });
    expect(sut('/admin/users/a%0Ab')).toEqual({
      field: 'path',
      problem: 'contains a control character',
    });
    for (const url of ['/a%ff', '/%c0%ae%c0%ae/x', '/a%ed%a0%80', '/a%e2%82', '/a%zz']) {
      expect(sut(url)).toEqual({ field: 'path', problem: 'is not valid percent-encoded UTF-8' });
    }
    for (const url of ['/a b', '/a\0b', '/caf\u00e9', '/\ud800']) {
      expect(sut(url)).toEqual({ field: 'url', problem: 'must be percent-encoded ASCII' });
    }
  });

  it('refuses hostile queries, repeated parameters and __proto__', () => {
    expect(sut('/authorize?client_id=a%00b')).toEqual({
      field: 'client_id',
      problem: 'contains a NUL character',
    });
    expect(sut('/x?state=%ed%a0%80')).toEqual({
      field: 'state',
      problem: 'is not valid percent-encoded UTF-8',
    });
    expect(sut('/x?a=1&a=2')).toEqual({ field: 'a', problem: 'is repeated' });
    expect(sut('/x?a=1&a=2', 'allowed')).toBeUndefined();
    expect(sut('/x?__proto__=1')).toEqual({ field: 'query', problem: 'has a forbidden name' });
  });
});

describe(headersProblem.name, () => {
  const sut = headersProblem;
  const basic = (credentials: Buffer) => `Basic ${credentials.toString('base64')}`;

  it('passes ordinary headers, UTF-8 in them, and well-formed Basic credentials', () => {
    expect(
      sut([
        'User-Agent',
        Buffer.from('Zoë/1.0').toString('latin1'),
        'Authorization',
        basic(Buffer.from('my%20client:s%C3%A9cret')),
      ]),
    ).toBeUndefined();
  });

  it('refuses controls and bytes that are not UTF-8, naming the header', () => {
    expect(sut(['Host', 'x', 'User-Agent', 'a\xffb'])).toEqual({
      field: 'headers.user-agent',
      problem: 'is not valid UTF-8',
    });
    expect(sut(['X-Thing', 'a\x01'])).toEqual({
      field: 'headers.x-thing',
      problem: 'contains a control character',
    });
  });

  it('refuses Basic credentials with NUL, controls or bytes that are not UTF-8', () => {
    const field = 'headers.authorization';
    expect(sut(['Authorization', basic(Buffer.from('a%00b:secret'))])).toEqual({
      field,
      problem: 'has a Basic user-id or password that contains a NUL character',
      basic: true,
    });
    expect(sut(['authorization', basic(Buffer.from('a\0b:secret'))])).toEqual({
      field,
      problem: 'has a Basic user-id or password that contains a NUL character',
      basic: true,
    });
    expect(sut(['authorization', basic(Buffer.from([0xff, 0x3a, 0x61]))])).toEqual({
      field,
      problem: 'has Basic credentials that are not UTF-8',
      basic: true,
    });
    expect(sut(['authorization', basic(Buffer.from('id:%ed%a0%80'))])).toEqual({
      field,
      problem: 'has a Basic user-id or password that is not valid percent-encoded UTF-8',
      basic: true,
    });
  });

  it('leaves cookies to cookieValue, and skipped headers to their route', () => {
    expect(sut(['Cookie', 'a=\xff'])).toBeUndefined();
    expect(sut(['X-Original-URI', '/a\xff'], ['x-original-uri'])).toBeUndefined();
  });
});

describe(cookieValue.name, () => {
  it('decodes clean values and reads hostile ones as empty', () => {
    expect(cookieValue('abc%20d')).toBe('abc d');
    expect(cookieValue(Buffer.from('Zoë').toString('latin1'))).toBe('Zoë');
    for (const raw of ['a%00', '%ff', '%ed%a0%80', 'a%0Ab', '\xff', 'a%']) {
      expect({ raw, value: cookieValue(raw) }).toEqual({ raw, value: '' });
    }
  });
});

describe(guardEdge.name, () => {
  const options: EdgeGuardOptions = {
    opaque: [{ prefix: '/gate', headers: ['x-original-uri'] }],
    ownRepeats: ['/authorize'],
    errorPage: (message) => ({
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: `<html>${message}</html>`,
    }),
  };
  const next = (request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end(`next ${request.url}`);
  };
  const send = (url: string, headers: Record<string, string> = {}) =>
    inject(guardEdge(next, options), { method: 'GET', url, headers });

  it('hands clean requests on', async () => {
    expect((await send('/admin/users?limit=5')).body).toBe('next /admin/users?limit=5');
  });

  it('answers 400 in the admin API shape, with details', async () => {
    const response = await send('/admin/users/a%00b');
    expect({
      status: response.statusCode,
      type: response.headers['content-type'],
      cache: response.headers['cache-control'],
      body: response.json(),
    }).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      cache: 'no-store',
      body: {
        error: 'invalid_request',
        message: 'path: contains a NUL character',
        details: [{ field: 'path', problem: 'contains a NUL character' }],
      },
    });
  });

  it('answers 400 in the RFC 6749 §5.2 shape on OAuth endpoints', async () => {
    const response = await send('/token?client_id=%ff');
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'client_id: is not valid percent-encoded UTF-8',
      },
    });
  });

  it('answers 400 with the error page on the pages a person sees', async () => {
    const response = await send('/authorize?client_id=a%00b');
    expect({
      status: response.statusCode,
      type: response.headers['content-type'],
      body: response.body,
    }).toEqual({
      status: 400,
      type: 'text/html; charset=utf-8',
      body: '<html>client_id: contains a NUL character</html>',
    });
  });

  it('answers Basic credentials it cannot read as a failed client authentication (RFC 6749 §5.2)', async () => {
    const response = await send('/token', {
      authorization: `Basic ${Buffer.from('a%00b:secret').toString('base64')}`,
    });
    expect({
      status: response.statusCode,
      challenge: response.headers['www-authenticate'],
      body: response.json(),
    }).toEqual({
      status: 401,
      challenge: 'Basic realm="gatehouse", charset="UTF-8"',
      body: {
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      },
    });
  });

  it('leaves repeated parameters to the routes that answer them, and the path to opaque routes', async () => {
    expect((await send('/authorize?scope=a&scope=b')).statusCode).toBe(200);
    expect((await send('/other?scope=a&scope=b')).statusCode).toBe(400);
    expect((await send('/gate/a%00b', { 'x-original-uri': '/a\xff' })).statusCode).toBe(200);
    expect((await send('/gate/x', { 'user-agent': 'a\xff' })).statusCode).toBe(400);
  });

  it('knows which paths answer repeats themselves', () => {
    expect(repeatsFor('/authorize?x', options)).toBe('allowed');
    expect(repeatsFor('/authorize/continue', options)).toBe('allowed');
    expect(repeatsFor('/authorized', options)).toBe('refused');
  });
});
