import {
  BadRequestException,
  HttpException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  ValidationFailedError,
} from './api-error';
import { ErrorResponse, toErrorResponse, unroutedShape } from './error-response';
import { GatehouseError } from './errors';
import {
  InvalidClientError,
  InvalidGrantError,
  InvalidTokenError,
  ServerError,
} from './oauth-error';

/** A Fastify error as its content-type parser raises it, before any handler runs. */
function fastifyError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

describe(`${unroutedShape.name}: the OAuth endpoints`, () => {
  const sut = (url: string) => unroutedShape(url) === 'oauth';

  for (const url of [
    '/token',
    '/token?x=1',
    '/introspect',
    '/revoke',
    '/register',
    '/register/abc',
    '/userinfo',
    '/par',
  ]) {
    it(`treats ${url} as an OAuth endpoint`, () => {
      expect(sut(url)).toBe(true);
    });
  }

  for (const url of ['/admin/clients', '/tokens', '/token-info', '/health/live', '/', '/x/token']) {
    it(`treats ${url} as the admin API surface`, () => {
      expect(sut(url)).toBe(false);
    });
  }
});

describe(`${unroutedShape.name}: the pages`, () => {
  const sut = (url: string) => unroutedShape(url) === 'page';

  it('treats the pages a person sees as pages, and nothing else', () => {
    for (const url of ['/authorize', '/authorize?x', '/authorize/continue', '/login', '/consent']) {
      expect({ url, page: sut(url) }).toEqual({ url, page: true });
    }
    for (const url of ['/signup', '/logout', '/logout/done', '/account']) {
      expect({ url, page: sut(url) }).toEqual({ url, page: true });
    }
    for (const url of ['/accounts', '/admin/users', '/token', '/loginx', '/x/login', '/']) {
      expect({ url, page: sut(url) }).toEqual({ url, page: false });
    }
  });
});

describe(toErrorResponse.name, () => {
  /** The answer on `url`, in the shape of the surface it sits under. */
  const sut = (thrown: unknown, url: string, method?: string) =>
    toErrorResponse(thrown, unroutedShape(url), url, method);

  describe('OAuth errors', () => {
    it('renders RFC 6749 §5.2 {error, error_description} on an OAuth path, never the detail', () => {
      const response = sut(new InvalidGrantError('the code is invalid', 'code reused'), '/token');
      expect(response).toEqual({
        status: 400,
        headers: {},
        body: { error: 'invalid_grant', error_description: 'the code is invalid' },
      });
      expect(JSON.stringify(response.body)).not.toContain('code reused');
    });

    it('keeps the Basic challenge of invalid_client (RFC 6749 §5.2)', () => {
      expect(sut(new InvalidClientError('wrong secret', true), '/token')).toEqual({
        status: 401,
        headers: { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' },
        body: {
          error: 'invalid_client',
          error_description:
            'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
        },
      });
    });

    it('renders an OAuth error in the admin shape on the admin API, with its headers', () => {
      expect(sut(new InvalidTokenError(), '/admin/clients')).toEqual({
        status: 401,
        headers: {
          'www-authenticate':
            'Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid or expired"',
        },
        body: { error: 'invalid_token', message: 'the access token is invalid or expired' },
      });
    });

    it('renders an OAuth server_error with its status and description', () => {
      expect(sut(new ServerError('try later'), '/token')).toMatchObject({
        status: 500,
        body: { error: 'server_error', error_description: 'try later' },
      });
    });
  });

  describe('admin API errors', () => {
    it('renders validation failures as {error, message, details} (docs/endpoints.md, Admin API)', () => {
      const error = new ValidationFailedError([
        { field: 'redirect_uris[0]', problem: 'must not contain a wildcard' },
        { field: 'scope', problem: 'must be space-separated scope tokens (RFC 6749 §3.3)' },
      ]);
      expect(sut(error, '/admin/clients')).toEqual({
        status: 400,
        headers: {},
        body: {
          error: 'invalid_request',
          message: 'redirect_uris[0]: must not contain a wildcard (and 1 more)',
          details: [
            { field: 'redirect_uris[0]', problem: 'must not contain a wildcard' },
            { field: 'scope', problem: 'must be space-separated scope tokens (RFC 6749 §3.3)' },
          ],
        },
      });
    });

    it('renders not found as 404 {error: not_found, message} without details', () => {
      expect(sut(new NotFoundError('client abc'), '/admin/clients/abc')).toEqual({
        status: 404,
        headers: {},
        body: { error: 'not_found', message: 'client abc not found' },
      });
    });

    it('renders conflicts as 409', () => {
      expect(sut(new ConflictError('username taken'), '/admin/users')).toEqual({
        status: 409,
        headers: {},
        body: { error: 'conflict', message: 'username taken' },
      });
    });

    it('keeps the headers an ApiError carries', () => {
      const error = new UnauthorizedError('token required', undefined, {
        headers: { 'www-authenticate': 'Bearer realm="gatehouse"' },
      });
      expect(sut(error, '/admin/clients')).toEqual({
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="gatehouse"' },
        body: { error: 'unauthorized', message: 'token required' },
      });
    });

    it('renders an ApiError in the RFC 6749 shape on an OAuth path', () => {
      expect(sut(new NotFoundError('client abc'), '/register/abc')).toEqual({
        status: 404,
        headers: {},
        body: { error: 'not_found', error_description: 'client abc not found' },
      });
    });
  });

  describe('Nest HTTP exceptions', () => {
    it('maps a 404 to not_found naming the method and path, never the query', () => {
      const url = '/nope?access_token=eyJsecret&code=c0de';
      expect(sut(new NotFoundException(`Cannot GET ${url}`), url, 'GET')).toEqual({
        status: 404,
        headers: {},
        body: { error: 'not_found', message: 'Cannot GET /nope' },
      });
    });

    it('repeats at most 128 characters of the path in a 404', () => {
      const path = `/${'a'.repeat(300)}`;
      expect(sut(new NotFoundException(`Cannot PUT ${path}`), path, 'PUT').body).toEqual({
        error: 'not_found',
        message: `Cannot PUT ${path.slice(0, 128)}…`,
      });
    });

    it('maps a 400 to invalid_request, in the OAuth shape on /token', () => {
      expect(sut(new BadRequestException('bad'), '/token')).toEqual({
        status: 400,
        headers: {},
        body: { error: 'invalid_request', error_description: 'bad' },
      });
    });

    it('hides a 5xx HttpException behind a generic server_error', () => {
      const exception = new ServiceUnavailableException('database host db-7 unreachable');
      const response = sut(exception, '/admin/clients');
      expect(response).toEqual({
        status: 500,
        headers: {},
        body: { error: 'server_error', message: 'an unexpected error occurred' },
        unexpected: exception,
      });
    });
  });

  describe('Fastify body errors', () => {
    const cases: [string, Error, number, string][] = [
      [
        'a body over the limit',
        fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large'),
        413,
        'the request body is too large',
      ],
      [
        'an unsupported media type',
        fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type'),
        415,
        'unsupported Content-Type',
      ],
      [
        'an empty JSON body',
        fastifyError(400, 'FST_ERR_CTP_EMPTY_JSON_BODY', 'Body cannot be empty'),
        400,
        'the JSON body is empty',
      ],
      [
        'a wrong Content-Length',
        fastifyError(400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'bad length'),
        400,
        'Content-Length does not match the body',
      ],
      [
        'any other client error',
        fastifyError(400, 'FST_ERR_SOMETHING', 'internal words'),
        400,
        'the request is malformed',
      ],
      [
        'malformed JSON',
        fastifyError(400, 'FST_ERR_CTP_INVALID_JSON_BODY', 'Body is not valid JSON but…'),
        400,
        'the body is not valid JSON',
      ],
      [
        'malformed JSON (a parser’s SyntaxError)',
        Object.assign(new SyntaxError('Unexpected end of JSON input'), { statusCode: 400 }),
        400,
        'the body is not valid JSON',
      ],
    ];
    for (const [what, error, status, message] of cases) {
      it(`answers ${what} with ${status} invalid_request in the surface's shape`, () => {
        expect(sut(error, '/admin/clients')).toEqual({
          status,
          headers: {},
          body: { error: 'invalid_request', message },
        });
        expect(sut(error, '/token')).toEqual({
          status,
          headers: {},
          body: { error: 'invalid_request', error_description: message },
        });
      });
    }

    it('reads the Fastify error inside the HttpException Nest wraps it in', () => {
      const cause = fastifyError(400, 'FST_ERR_CTP_INVALID_JSON_BODY', 'Body is not valid JSON…');
      const wrapped = new HttpException(cause.message, 400, { cause });
      expect(sut(wrapped, '/admin/clients')).toEqual({
        status: 400,
        headers: {},
        body: { error: 'invalid_request', message: 'the body is not valid JSON' },
      });
    });

    it('does not trust a Fastify-like error that claims a 5xx status', () => {
      const error = fastifyError(503, 'FST_ERR_X', 'socket hang up');
      expect(sut(error, '/admin/clients')).toMatchObject({
        status: 500,
        body: { error: 'server_error', message: 'an unexpected error occurred' },
      });
    });
  });

  describe('unexpected failures', () => {
    const surfaces: [string, ErrorResponse['body']][] = [
      ['/admin/clients', { error: 'server_error', message: 'an unexpected error occurred' }],
      ['/token', { error: 'server_error', error_description: 'an unexpected error occurred' }],
    ];
    for (const [url, body] of surfaces) {
      it(`answers 500 with a generic body on ${url} and keeps the cause only for the log`, () => {
        const error = new TypeError("Cannot read properties of undefined (reading 'secretHash')");
        const response = sut(error, url);
        expect(response).toEqual({ status: 500, headers: {}, body, unexpected: error });
        expect(JSON.stringify(response.body)).not.toMatch(/secretHash|TypeError|at /);
      });
    }

    it('treats thrown non-errors as unexpected', () => {
      expect(sut('boom', '/admin/clients')).toMatchObject({ status: 500, unexpected: 'boom' });
      expect(sut(undefined, '/token')).toMatchObject({ status: 500, unexpected: undefined });
    });

    it('recognizes a plain GatehouseError instance as well as the factory classes', () => {
      const error = new GatehouseError('invalid_target', 400, 'unknown resource');
      expect(sut(error, '/token').body).toEqual({
        error: 'invalid_target',
        error_description: 'unknown resource',
      });
    });
  });
});
