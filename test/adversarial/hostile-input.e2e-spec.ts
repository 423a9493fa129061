import { LoggerService } from '@nestjs/common';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  basicAuth,
  InjectResult,
  startTestApp,
  TestApp,
} from '../support/test-app';

/**
 * Hostile bytes on every route: each operation of the OpenAPI document, the pages it leaves
 * out, and the node:http hot routes get NUL, invalid UTF-8, lone surrogates, 30,000-deep JSON,
 * 70 kB strings, arrays where strings belong, `__proto__` keys and repeated parameters, in the
 * path, the query, the body and the headers. Every answer is a 4xx in the endpoint's shape;
 * nothing is logged at error level (docs/security/input.md).
 */

/** Above the 70 kB strings sent here, so that they meet the edge's own rules, not BODY_LIMIT. */
const BODY_LIMIT = 256 * 1024;

interface Operation {
  method: string;
  /** The OpenAPI path template, `{name}` for path parameters. */
  path: string;
  query: string[];
  body?: 'json' | 'form';
  fields: string[];
  /** How the operation authenticates (OpenAPI security): a Bearer token or Basic credentials. */
  security: Array<'bearer' | 'basic'>;
}

interface Hostile {
  name: string;
  /** A cookie that does not decode cleanly reads as no cookie: the request goes on without it. */
  ignored?: boolean;
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

/** Routes a browser uses that the OpenAPI document leaves out. */
const PAGES: Operation[] = [
  { method: 'GET', path: '/login', query: ['interaction'], fields: [], security: [] },
  {
    method: 'POST',
    path: '/login',
    query: [],
    body: 'form',
    fields: ['username', 'password'],
    security: [],
  },
  { method: 'GET', path: '/signup', query: ['interaction'], fields: [], security: [] },
  {
    method: 'POST',
    path: '/signup',
    query: [],
    body: 'form',
    fields: ['username', 'email'],
    security: [],
  },
  { method: 'GET', path: '/consent', query: ['interaction'], fields: [], security: [] },
  {
    method: 'POST',
    path: '/consent',
    query: [],
    body: 'form',
    fields: ['interaction'],
    security: [],
  },
  { method: 'GET', path: '/authorize/continue', query: ['interaction'], fields: [], security: [] },
  { method: 'GET', path: '/account', query: [], fields: [], security: [] },
  { method: 'GET', path: '/login/second-factor', query: ['interaction'], fields: [], security: [] },
  {
    method: 'POST',
    path: '/login/second-factor',
    query: [],
    body: 'form',
    fields: ['otp', 'interaction'],
    security: [],
  },
  { method: 'GET', path: '/account/security', query: ['interaction'], fields: [], security: [] },
  {
    method: 'POST',
    path: '/account/security/totp/confirm',
    query: [],
    body: 'form',
    fields: ['otp', 'interaction'],
    security: [],
  },
  { method: 'GET', path: '/logout/done', query: [], fields: [], security: [] },
];

const PAGE_PATH = /^\/(authorize|login|consent|signup|logout|account)(\/|$)/;

const DEEP = 30_000;
const LONG = 'x'.repeat(70 * 1024);

/** What goes into a path segment or a query value: each must be refused, never stored. */
const ENCODED_VALUES: Array<[string, string]> = [
  ['NUL', 'a%00b'],
  ['a control character', 'a%01b'],
  ['invalid UTF-8 (%ff)', 'a%ffb'],
  ['an overlong dot (%c0%ae)', '%c0%ae'],
  ['an encoded lone surrogate (%ed%a0%80)', 'a%ed%a0%80b'],
  ['a truncated escape', 'a%e2%82'],
];

/** What goes into a JSON string: each must be refused. */
const JSON_VALUES: Array<[string, string]> = [
  ['NUL', '"a\\u0000b"'],
  ['a control character', '"a\\u0001b"'],
  ['a lone surrogate', '"a\\ud800b"'],
  ['a lone low surrogate', '"\\udc00"'],
  ['a 70 kB string', JSON.stringify(LONG)],
  ['an array', '["a"]'],
  ['an object', '{"a":"b"}'],
];

function resolveSchema(doc: any, schema: any): any {
  if (schema?.$ref) return doc.components.schemas[schema.$ref.split('/').pop()];
  return schema;
}

function operationsOf(doc: any): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, operation] of Object.entries<any>(methods)) {
      const content = operation.requestBody?.content ?? {};
      const type = Object.keys(content)[0];
      const schema = type ? resolveSchema(doc, content[type].schema) : undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        query: (operation.parameters ?? [])
          .filter((parameter: any) => parameter.in === 'query')
          .map((parameter: any) => parameter.name),
        body:
          type === undefined
            ? ['POST', 'PUT', 'PATCH'].includes(method.toUpperCase())
              ? 'form'
              : undefined
            : type.includes('json')
              ? 'json'
              : 'form',
        fields: Object.keys(schema?.properties ?? {}),
        security: (operation.security ?? []).flatMap((scheme: Record<string, unknown>) =>
          'bearer' in scheme ? ['bearer'] : 'client_secret_basic' in scheme ? ['basic'] : [],
        ),
      });
    }
  }
  return operations;
}

function fill(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

/** Every hostile request for one operation. */
function hostileRequests(operation: Operation): Hostile[] {
  const { method, path } = operation;
  const plain = fill(path, 'plain-id');
  const templated = path.includes('{');
  const requests: Hostile[] = [];
  const add = (name: string, request: Omit<Hostile, 'name' | 'method'>) =>
    requests.push({ name, method, ...request });

  for (const [what, value] of ENCODED_VALUES) {
    add(`${what} in the path`, { url: templated ? fill(path, value) : `${path}/${value}` });
  }
  const queryNames = [...operation.query, ...operation.fields].slice(0, 4);
  if (queryNames.length === 0) queryNames.push('state');
  for (const name of queryNames) {
    for (const [what, value] of ENCODED_VALUES) {
      add(`${what} in query ${name}`, { url: `${plain}?${name}=${value}` });
    }
    // RFC 8707 §2: resource alone may be repeated.
    if (name !== 'resource') add(`repeated query ${name}`, { url: `${plain}?${name}=a&${name}=b` });
    add(`a 70 kB query ${name}`, { url: `${plain}?${name}=${LONG}` });
  }
  add('__proto__ in the query', { url: `${plain}?__proto__=x&a[__proto__][b]=1` });

  const headers = [
    ['invalid UTF-8 in a header', { 'user-agent': 'agent \xff\xfe' }],
    ['a NUL client id in Basic credentials', { authorization: basicAuth('a\0b', 'secret') }],
    [
      'Basic credentials that are not UTF-8',
      { authorization: `Basic ${Buffer.from('\xff:secret', 'latin1').toString('base64')}` },
    ],
  ] as const;
  for (const [what, value] of headers) add(what, { url: plain, headers: { ...value } });
  add('cookies with NUL and invalid UTF-8', {
    url: plain,
    headers: { cookie: 'gh_session=a%00b; gh_csrf=%ff; other=%ed%a0%80' },
    ignored: true,
  });

  if (operation.body === 'json') {
    const json = { 'content-type': 'application/json' };
    const fields = operation.fields.length > 0 ? operation.fields : ['name'];
    for (const field of fields) {
      for (const [what, value] of JSON_VALUES) {
        add(`${what} in JSON ${field}`, {
          url: plain,
          headers: json,
          payload: `{${JSON.stringify(field)}:${value}}`,
        });
      }
    }
    add('a NUL in a JSON key', { url: plain, headers: json, payload: '{"a\\u0000":"b"}' });
    add('a 30,000-deep JSON array', {
      url: plain,
      headers: json,
      payload: '['.repeat(DEEP) + ']'.repeat(DEEP),
    });
    add('a 30,000-deep JSON object', {
      url: plain,
      headers: json,
      payload: '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP),
    });
    add('__proto__ in JSON', { url: plain, headers: json, payload: '{"__proto__":{"x":1}}' });
    add('invalid UTF-8 in a JSON body', {
      url: plain,
      headers: json,
      payload: Buffer.concat([
        Buffer.from('{"a":"'),
        Buffer.from([0xff, 0xc0, 0xae]),
        Buffer.from('"}'),
      ]),
    });
  }
  if (operation.body === 'form') {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const fields = [...new Set([...operation.fields, 'client_id', 'token'])].slice(0, 6);
    for (const field of fields) {
      for (const [what, value] of ENCODED_VALUES) {
        add(`${what} in form ${field}`, {
          url: plain,
          headers: form,
          payload: `${field}=${value}`,
        });
      }
      add(`repeated form ${field}`, {
        url: plain,
        headers: form,
        payload: `${field}=a&${field}=b`,
      });
      add(`a 70 kB form ${field}`, { url: plain, headers: form, payload: `${field}=${LONG}` });
    }
    add('__proto__ in a form', { url: plain, headers: form, payload: '__proto__=x' });
    add('invalid UTF-8 in a form body', {
      url: plain,
      headers: form,
      payload: Buffer.concat([Buffer.from('client_id=a'), Buffer.from([0xff])]),
    });
    add('a JSON body where a form belongs', {
      url: plain,
      headers: { 'content-type': 'application/json' },
      payload: '{"client_id":"a\\u0000"}',
    });
  }
  return requests;
}

/**
 * What is wrong with `response` to `request`, if anything: a refused request gets a 4xx, JSON
 * with an `error` on the JSON surfaces (the gateway may deny with a `reason`), or the HTML
 * error page on the pages; an ignored cookie leaves any answer but a 5xx.
 */
function shapeProblem(request: Hostile, response: InjectResult): string | undefined {
  const status = response.statusCode;
  if (request.ignored) return status < 500 ? undefined : `answered ${status}`;
  if (status < 400 || status >= 500) return `answered ${status}`;
  if (request.method === 'HEAD') return undefined;
  const path = request.url.split('?')[0];
  const type = String(response.headers['content-type'] ?? '');
  if (PAGE_PATH.test(path) && type.startsWith('text/html')) {
    return response.body.includes('<html') ? undefined : 'answered HTML that is not a page';
  }
  if (type !== 'application/json; charset=utf-8') return `answered ${status} as ${type}`;
  const body = JSON.parse(response.body) as Record<string, unknown>;
  if (typeof body.error === 'string') return undefined;
  if (path.startsWith('/access/gateway') && typeof body.reason === 'string') return undefined;
  return `answered ${status} without an error code`;
}

/** Keeps every entry at error level (and above) that the application logs. */
class CapturingLogger implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  debug(): void {}
  verbose(): void {}
  error(message: unknown): void {
    this.errors.push(String(message).slice(0, 500));
  }
  fatal(message: unknown): void {
    this.errors.push(String(message));
  }
}

describe('hostile bytes on every route get the endpoint’s 4xx, never a 500 or an error log', () => {
  let sut: TestApp;
  let adminToken: string;
  let operations: Operation[];
  const logger = new CapturingLogger();

  before(async () => {
    sut = await startTestApp({ BODY_LIMIT: String(BODY_LIMIT), REGISTRATION_MODE: 'open' });
    sut.app.useLogger(logger);
    adminToken = await sut.adminToken();
    const doc = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
    operations = [...operationsOf(doc), ...PAGES];
  });
  after(() => sut.close());

  /**
   * Each request without credentials, and with the admin's credentials of the kind the operation
   * takes (so that the bytes reach what lies behind authentication); what went wrong, one line
   * per answer.
   */
  async function sendAll(operation: Operation, requests: Hostile[]): Promise<string[]> {
    const problems: string[] = [];
    const credentials: Array<Record<string, string>> = [
      {},
      ...operation.security.map((scheme) => ({
        authorization:
          scheme === 'bearer'
            ? `Bearer ${adminToken}`
            : basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET),
      })),
    ];
    for (const request of requests) {
      const variants = request.headers?.authorization ? [{}] : credentials;
      for (const authorization of variants) {
        const response = await sut.request({
          method: request.method,
          url: request.url,
          headers: { ...authorization, ...request.headers },
          payload: request.payload,
        });
        const problem = shapeProblem(request, response);
        if (problem) {
          const sent = `${request.method} ${request.url.slice(0, 100)} (${request.name}${authorization.authorization ? ', authenticated' : ''})`;
          problems.push(`${sent}: ${problem} ${response.body.slice(0, 160)}`);
        }
      }
    }
    return problems;
  }

  it('covers every operation of the OpenAPI document, the hot routes among them', () => {
    const names = operations.map(({ method, path }) => `${method} ${path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /token',
        'GET /authorize',
        'POST /register',
        'PATCH /admin/users/{id}',
        'POST /access/check',
        'GET /access/gateway/{path}',
        'POST /access/v1/evaluation',
        'POST /login',
      ]),
    );
    expect(operations.length).toBeGreaterThan(60);
  });

  it(
    'answers every hostile request to every route with a 4xx in the endpoint’s shape',
    { timeout: 15 * 60_000 },
    async (t) => {
      let sent = 0;
      for (const operation of operations) {
        const requests = hostileRequests(operation);
        sent += requests.length;
        await t.test(`${operation.method} ${operation.path}`, async () => {
          expect(await sendAll(operation, requests)).toEqual([]);
        });
      }
      expect(sent).toBeGreaterThanOrEqual(2500);
    },
  );

  it('logs nothing at error level for any of it', () => {
    expect(logger.errors).toEqual([]);
  });
});

describe('the edge’s answers, exactly, through the whole application', () => {
  let sut: TestApp;
  let adminToken: string;

  before(async () => {
    sut = await startTestApp();
    adminToken = await sut.adminToken();
  });
  after(() => sut.close());

  const answer = (response: InjectResult) => ({
    status: response.statusCode,
    type: response.headers['content-type'],
    cache: response.headers['cache-control'],
    body: response.json(),
  });

  it('/token: RFC 6749 §5.2 invalid_request naming the parameter', async () => {
    const response = await sut.postForm('/token', {
      grant_type: 'client_credentials',
      client_id: 'a\0b',
    });
    expect(answer(response)).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      cache: 'no-store',
      body: { error: 'invalid_request', error_description: 'client_id: contains a NUL character' },
    });
  });

  it('the admin API: its shape with details, for a hostile path parameter', async () => {
    const response = await sut.request({
      method: 'PATCH',
      url: '/admin/users/a%ed%a0%80',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(answer(response)).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      cache: 'no-store',
      body: {
        error: 'invalid_request',
        message: 'path: is not valid percent-encoded UTF-8',
        details: [{ field: 'path', problem: 'is not valid percent-encoded UTF-8' }],
      },
    });
  });

  it('/access/check (node:http): 30,000-deep JSON is a 400 in the admin shape', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/access/check',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      payload: '['.repeat(30_000) + ']'.repeat(30_000),
    });
    expect(answer(response)).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      cache: 'no-store',
      body: {
        error: 'invalid_request',
        message: 'body: nests deeper than 32 levels',
        details: [{ field: 'body', problem: 'nests deeper than 32 levels' }],
      },
    });
  });

  it('/authorize: the HTML error page with the pages’ headers', async () => {
    const response = await sut.request({ method: 'GET', url: '/authorize?client_id=%c0%ae' });
    expect({
      status: response.statusCode,
      type: response.headers['content-type'],
      frame: response.headers['x-frame-options'],
      cache: response.headers['cache-control'],
    }).toEqual({
      status: 400,
      type: 'text/html; charset=utf-8',
      frame: 'DENY',
      cache: 'no-store',
    });
    expect(response.body).toContain('client_id: is not valid percent-encoded UTF-8');
  });

  it('a 404 names the path, never the query and the token in it', async () => {
    const response = await sut.request({
      method: 'GET',
      url: '/no/such/route?access_token=eyJsecret&code=c0de',
    });
    expect(answer(response)).toEqual({
      status: 404,
      type: 'application/json; charset=utf-8',
      cache: 'no-store',
      body: { error: 'not_found', message: 'Cannot GET /no/such/route' },
    });
  });

  it('a hostile cookie reads as no cookie: the page answers as without it', async () => {
    const without = await sut.request({ method: 'GET', url: '/account' });
    const hostile = await sut.request({
      method: 'GET',
      url: '/account',
      headers: { cookie: 'gh_session=a%00b' },
    });
    expect({ status: hostile.statusCode, location: hostile.headers.location }).toEqual({
      status: without.statusCode,
      location: without.headers.location,
    });
    expect(hostile.statusCode).toBeLessThan(500);
  });
});
