import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DispatchFunc, inject } from 'light-my-request';
import { randomBytes } from 'node:crypto';
import { DestinationStream } from 'pino';
import { createApp } from '../../src/app.factory';
import { Clock } from '../../src/common/clock';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { createTestDatabase, TestDatabase } from './test-database';

export const ADMIN_CLIENT_ID = 'test-admin-client';
export const ADMIN_CLIENT_SECRET = 'test-admin-secret-0123456789abcdefghijklmnop';

export interface InjectResult {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json<T = any>(): T;
}

/** What tests send requests through: an app in this process, or a server process (test/system). */
export interface AppSurface {
  /**
   * A request injected into the HTTP server's request listener (no socket): the same path a
   * real request takes, hot routes included, then Fastify.
   */
  request(options: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    /** An object is sent as JSON; a string or Buffer as it is. */
    payload?: string | Buffer | object;
    /** The peer's address (default 127.0.0.1). */
    remoteAddress?: string;
  }): Promise<InjectResult>;
  /** POST a form (application/x-www-form-urlencoded); repeated keys via arrays. */
  postForm(
    url: string,
    form: Record<string, string | string[]>,
    headers?: Record<string, string>,
  ): Promise<InjectResult>;
  /** A fresh iam:admin access token from our own /token. */
  adminToken(): Promise<string>;
  /** JSON request to the admin API with a valid admin token. */
  admin(method: string, url: string, payload?: object): Promise<InjectResult>;
}

export interface TestApp extends AppSurface {
  app: NestFastifyApplication;
  config: AppConfig;
  database: TestDatabase;
  close(): Promise<void>;
}

export function basicAuth(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export function formBody(form: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  }
  return params.toString();
}

/** No server database: the app starts its own embedded PGlite (in memory, or under DATA_DIR). */
const EMBEDDED: TestDatabase = { url: undefined, drop: async () => undefined };

/**
 * Starts the whole application on a fresh test database (real PostgreSQL with
 * TEST_DATABASE_URL, embedded PGlite otherwise). `env` overrides settings.
 * `database` reuses a database across starts; `embedded` forces embedded PGlite even when
 * TEST_DATABASE_URL is set (pass DATA_DIR in `env` to persist it). `clock` replaces the system
 * clock (a TestClock from ./clock moves time without sleeping). `logDestination` receives every
 * log line (set LOG_LEVEL in `env`: the tests' default is silent).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: {
    database?: TestDatabase;
    embedded?: boolean;
    clock?: Clock;
    logDestination?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const database = options.database ?? (options.embedded ? EMBEDDED : await createTestDatabase());
  const config = loadConfig({
    ISSUER: 'http://localhost:3000',
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    ADMIN_CLIENT_ID,
    ADMIN_CLIENT_SECRET,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DATA_DIR: ':memory:',
    // Out of the way of every other test; test/rate-limit.e2e-spec.ts sets small ones.
    RATE_LIMIT_PER_CLIENT: '100000000',
    RATE_LIMIT_PER_IP: '100000000',
    CLIENT_AUTH_MAX_FAILURES: '1000',
    CLIENT_AUTH_MAX_FAILURES_PER_IP: '100000',
    CLIENT_AUTH_MAX_FAILURES_PER_CLIENT: '1000000',
    RATE_LIMIT_BCRYPT_PER_IP: '1000000',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const app = await createApp(config, {
    clock: options.clock,
    logDestination: options.logDestination,
  });
  await app.getHttpAdapter().getInstance().ready();

  const server = app.getHttpServer();
  const listener: DispatchFunc = (req, res) => server.emit('request', req, res);
  const request: AppSurface['request'] = async ({
    method,
    url,
    headers = {},
    payload,
    remoteAddress,
  }) => {
    const response = await inject(listener, {
      method: method as 'GET',
      url,
      headers,
      ...(remoteAddress ? { remoteAddress } : {}),
      payload:
        typeof payload === 'object' && !Buffer.isBuffer(payload)
          ? JSON.stringify(payload)
          : payload,
    });
    return {
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.body,
      json: () => JSON.parse(response.body),
    };
  };
  const { postForm, adminToken, admin } = surfaceOver(request);
  return {
    app,
    config,
    database,
    request,
    postForm,
    adminToken,
    admin,
    close: async () => {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}

/** postForm, adminToken and admin over a `request` function (the admin token fetched once). */
export function surfaceOver(request: AppSurface['request']): AppSurface {
  const postForm: AppSurface['postForm'] = (url, form, headers = {}) =>
    request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: formBody(form),
    });
  const adminToken = async () => {
    const response = await postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET) },
    );
    if (response.statusCode !== 200)
      throw new Error(`admin token: ${response.statusCode} ${response.body}`);
    return response.json().access_token as string;
  };
  let cachedToken: string | undefined;
  const admin: AppSurface['admin'] = async (method, url, payload) => {
    cachedToken ??= await adminToken();
    return request({
      method,
      url,
      headers: {
        authorization: `Bearer ${cachedToken}`,
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      payload,
    });
  };
  return { request, postForm, adminToken, admin };
}
