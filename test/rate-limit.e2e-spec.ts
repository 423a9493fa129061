import { expect } from 'expect';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PAGE_HEADERS } from '../src/authorization/page-response';
import { TestClock } from './support/clock';
import { createUser, hiddenFields, PASSWORD } from './support/code-flow';
import { twoProcessesOnOneDatabase } from './support/two-processes';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  basicAuth,
  formBody,
  InjectResult,
  startTestApp,
  TestApp,
} from './support/test-app';

/** Redis for these tests: TEST_REDIS_URL, or the local default. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const TOO_MANY = {
  error: 'too_many_requests',
  error_description: 'too many requests; retry after the time in Retry-After',
};
const TOO_MANY_FAILURES = {
  error: 'too_many_requests',
  error_description: 'too many failed client authentications; retry after the time in Retry-After',
};
const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
};
const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'the service is temporarily unavailable',
};
const CLIENT_CREDENTIALS = { grant_type: 'client_credentials' };

/** POSTs a form as if from `ip` (the socket peer address). */
async function postFrom(
  sut: TestApp,
  ip: string,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<InjectResult> {
  const response = await sut.app.inject({
    method: 'POST',
    url,
    remoteAddress: ip,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: formBody(form),
  });
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    body: response.body,
    json: () => JSON.parse(response.body),
  };
}

/** A client_credentials token request as `clientId` from `ip`. */
function tokenFrom(sut: TestApp, ip: string, clientId: string, secret: string) {
  return postFrom(sut, ip, '/token', CLIENT_CREDENTIALS, {
    authorization: basicAuth(clientId, secret),
  });
}

async function createM2mClient(sut: TestApp): Promise<{ id: string; secret: string }> {
  const created = await sut.admin('POST', '/admin/clients', {
    client_name: 'rate-limited service',
    client_type: 'm2m',
    scope: 'a',
  });
  expect(created.statusCode).toBe(201);
  return { id: created.json().client_id, secret: created.json().client_secret };
}

/** An unsigned JWT naming `iss` as its client: client authentication refuses it. */
function unverifiedAssertion(iss: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss, sub: iss, aud: 'x' })}.c2ln`;
}

/** Asserts a 429 with the given RFC 6749 §5.2 body; answers its Retry-After in seconds. */
function expectTooMany(response: InjectResult, body: object): number {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toEqual(body);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['retry-after']).toMatch(/^\d+$/);
  return Number(response.headers['retry-after']);
}

function expectRetryAfterWithinWindow(retryAfter: number, windowSeconds: number): void {
  expect(retryAfter).toBeGreaterThanOrEqual(windowSeconds - 10);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('rate limits, counted in memory (RATE_LIMIT_PER_CLIENT=3, RATE_LIMIT_PER_IP=5)', () => {
  const WINDOW = 60;
  let sut: TestApp;
  let client: { id: string; secret: string };
  before(async () => {
    sut = await startTestApp({
      RATE_LIMIT_PER_CLIENT: '3',
      RATE_LIMIT_PER_IP: '5',
      RATE_LIMIT_WINDOW: String(WINDOW),
      REGISTRATION_MODE: 'open',
    });
    client = await createM2mClient(sut);
  });
  after(() => sut.close());

  it('/token: past the per-client limit a client_id gets 429 with Retry-After, from any address', async () => {
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      expect((await tokenFrom(sut, ip, client.id, client.secret)).statusCode).toBe(200);
    }
    const refused = await tokenFrom(sut, '10.0.0.4', client.id, client.secret);
    expectRetryAfterWithinWindow(expectTooMany(refused, TOO_MANY), WINDOW);
    // Another client from the same address is not affected.
    const fresh = await createM2mClient(sut);
    const other = await tokenFrom(sut, '10.0.0.4', fresh.id, fresh.secret);
    expect(other.statusCode).toBe(200);
  });

  it('/token: only the client itself spends its per-client limit: failures under its client_id do not', async () => {
    const victim = await createM2mClient(sut);
    const wrong = await tokenFrom(sut, '10.0.1.1', victim.id, 'wrong secret');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual(INVALID_CLIENT);
    const posted = await postFrom(sut, '10.0.1.2', '/token', {
      ...CLIENT_CREDENTIALS,
      client_id: victim.id,
      client_secret: 'wrong secret',
    });
    expect(posted.statusCode).toBe(401);
    const asserted = await postFrom(sut, '10.0.1.3', '/token', {
      ...CLIENT_CREDENTIALS,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: unverifiedAssertion(victim.id),
    });
    expect(asserted.statusCode).toBe(401);
    // Three strangers' requests under its client_id, and the client still has its three.
    for (const ip of ['10.0.1.4', '10.0.1.5', '10.0.1.6']) {
      expect((await tokenFrom(sut, ip, victim.id, victim.secret)).statusCode).toBe(200);
    }
    expectTooMany(await tokenFrom(sut, '10.0.1.7', victim.id, victim.secret), TOO_MANY);
  });

  it('/token: past the per-IP limit an address gets 429 whatever client it presents', async () => {
    const ip = '10.0.2.1';
    const fresh = await createM2mClient(sut);
    for (let i = 0; i < 5; i++) {
      const response = await tokenFrom(sut, ip, `unknown-client-${i}`, 'secret');
      expect(response.statusCode).toBe(401);
    }
    const refused = await tokenFrom(sut, ip, fresh.id, fresh.secret);
    expectRetryAfterWithinWindow(expectTooMany(refused, TOO_MANY), WINDOW);
    const elsewhere = await tokenFrom(sut, '10.0.2.2', fresh.id, fresh.secret);
    expect(elsewhere.statusCode).toBe(200);
  });

  it('/token: one IPv6 /64 is one address', async () => {
    for (let i = 1; i <= 5; i++) {
      const response = await tokenFrom(sut, `2001:db8:7:7::${i}`, `v6-client-${i}`, 'secret');
      expect(response.statusCode).toBe(401);
    }
    expectTooMany(await tokenFrom(sut, '2001:db8:7:7::99', 'v6-client-6', 'secret'), TOO_MANY);
  });

  it('/introspect and /revoke count against the same per-client limit as /token', async () => {
    const fresh = await createM2mClient(sut);
    const auth = { authorization: basicAuth(fresh.id, fresh.secret) };
    const call = (url: string, ip: string) =>
      postFrom(sut, ip, url, { token: 'not-a-token' }, auth);
    expect((await call('/introspect', '10.0.6.1')).statusCode).toBe(200);
    expect((await call('/revoke', '10.0.6.2')).statusCode).toBe(200);
    expect((await tokenFrom(sut, '10.0.6.3', fresh.id, fresh.secret)).statusCode).toBe(200);
    expectTooMany(await call('/introspect', '10.0.6.4'), TOO_MANY);
    expectTooMany(await call('/revoke', '10.0.6.5'), TOO_MANY);
  });

  it('/par (RFC 9126) counts against the same per-client limit as /token', async () => {
    const fresh = await createM2mClient(sut);
    const auth = { authorization: basicAuth(fresh.id, fresh.secret) };
    const call = (ip: string) => postFrom(sut, ip, '/par', { response_type: 'code' }, auth);
    for (const ip of ['10.0.8.1', '10.0.8.2', '10.0.8.3']) {
      expect((await call(ip)).statusCode).toBe(400);
    }
    expectTooMany(await call('10.0.8.4'), TOO_MANY);
  });

  it('/register (REGISTRATION_MODE=open): past the per-IP limit 429 with Retry-After', async () => {
    const register = () =>
      sut.app.inject({
        method: 'POST',
        url: '/register',
        remoteAddress: '10.0.3.1',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({
          client_name: 'self-registered',
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      });
    for (let i = 0; i < 5; i++) expect((await register()).statusCode).toBe(201);
    const refused = await register();
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual(TOO_MANY);
    expect(refused.headers['cache-control']).toBe('no-store');
    expectRetryAfterWithinWindow(Number(refused.headers['retry-after']), WINDOW);
  });

  it('/login: past the per-IP limit a 429 page with the page headers and Retry-After says to wait', async () => {
    const ip = '10.0.4.1';
    const login = () =>
      postFrom(sut, ip, '/login', { username: 'someone', password: 'a password', csrf_token: 'x' });
    for (let i = 0; i < 5; i++) expect((await login()).statusCode).toBe(303);
    const refused = await login();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject(PAGE_HEADERS);
    const retryAfter = Number(refused.headers['retry-after']);
    expectRetryAfterWithinWindow(retryAfter, WINDOW);
    expect(refused.body).toContain('<h1>Too many requests</h1>');
    expect(refused.body).toContain(
      `Too many sign-in requests came from your network. Wait ${retryAfter} seconds, then try again.`,
    );
  });

  it('leaves routes outside the limits alone (GET /login, discovery) for a limited address', async () => {
    const ip = '10.0.5.1';
    for (let i = 0; i < 6; i++) await tokenFrom(sut, ip, `unknown-${i}`, 'secret');
    expectTooMany(await tokenFrom(sut, ip, 'unknown-x', 'secret'), TOO_MANY);
    for (const url of ['/login', '/.well-known/openid-configuration']) {
      const response = await sut.app.inject({ method: 'GET', url, remoteAddress: ip });
      expect(response.statusCode).toBe(200);
    }
  });
});

describe('client authentication backoff (CLIENT_AUTH_MAX_FAILURES=3, RATE_LIMIT_WINDOW=1)', () => {
  let sut: TestApp;
  // Locks end on this clock: the tests move it past Retry-After instead of waiting.
  const clock = new TestClock();
  before(async () => {
    sut = await startTestApp({ CLIENT_AUTH_MAX_FAILURES: '3', RATE_LIMIT_WINDOW: '1' }, { clock });
  });
  after(() => sut.close());

  const token = (clientId: string, secret: string) =>
    sut.postForm('/token', CLIENT_CREDENTIALS, { authorization: basicAuth(clientId, secret) });
  const failTimes = async (clientId: string, times: number) => {
    for (let i = 0; i < times; i++) {
      const response = await token(clientId, 'wrong secret');
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(INVALID_CLIENT);
    }
  };

  it('after 3 wrong secrets even the right one gets 429 until Retry-After passes, and other clients are untouched', async () => {
    const client = await createM2mClient(sut);
    await failTimes(client.id, 3);
    const locked = await token(client.id, client.secret);
    expect(expectTooMany(locked, TOO_MANY_FAILURES)).toBe(1);
    expect((await token(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET)).statusCode).toBe(200);
    clock.advance(1_100);
    expect((await token(client.id, client.secret)).statusCode).toBe(200);
  });

  it('a locked client_id is refused without checking its credentials (an unknown one too)', async () => {
    await failTimes('no-such-client', 3);
    expectTooMany(await token('no-such-client', 'wrong secret'), TOO_MANY_FAILURES);
  });

  it('each failure after a lock doubles it', async () => {
    const client = await createM2mClient(sut);
    await failTimes(client.id, 3);
    expect(expectTooMany(await token(client.id, client.secret), TOO_MANY_FAILURES)).toBe(1);
    clock.advance(1_100);
    await failTimes(client.id, 1);
    expect(expectTooMany(await token(client.id, client.secret), TOO_MANY_FAILURES)).toBe(2);
    clock.advance(1_100);
    expect(expectTooMany(await token(client.id, client.secret), TOO_MANY_FAILURES)).toBe(1);
    clock.advance(1_000);
    expect((await token(client.id, client.secret)).statusCode).toBe(200);
  });

  it('a success resets the count of failures', async () => {
    const client = await createM2mClient(sut);
    await failTimes(client.id, 2);
    expect((await token(client.id, client.secret)).statusCode).toBe(200);
    await failTimes(client.id, 2);
    expect((await token(client.id, client.secret)).statusCode).toBe(200);
  });
});

/**
 * Two instances sharing Redis under a key prefix of their own (an ioredis URL option), so
 * parallel runs never collide; started before the suite's tests and cleaned up after them.
 */
function instancesSharingRedis(env: Record<string, string>) {
  const prefix = `gatehouse-test:${randomUUID()}:`;
  const url = new URL(REDIS_URL);
  url.searchParams.set('keyPrefix', prefix);
  let raw: Redis | undefined;
  before(() => {
    raw = new Redis(REDIS_URL);
  });
  // Two processes of one deployment: one database (embedded: each its own), one Redis.
  const apps = twoProcessesOnOneDatabase({ ...env, REDIS_URL: url.toString() });
  after(async () => {
    if (!raw) return;
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await raw.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await raw.quit();
  });
  return {
    prefix,
    get raw(): Redis {
      if (!raw) throw new Error('raw is not started yet: read it in a test or hook');
      return raw;
    },
    get first() {
      return apps.first;
    },
    get second() {
      return apps.second;
    },
  };
}

describe('rate limits in Redis (REDIS_URL): two instances share the counters', () => {
  const redis = instancesSharingRedis({
    RATE_LIMIT_PER_CLIENT: '3',
    CLIENT_AUTH_MAX_FAILURES: '2',
  });

  it('counts a client_id across instances: the 4th request on either is 429', async () => {
    const token = (sut: TestApp) =>
      sut.postForm('/token', CLIENT_CREDENTIALS, {
        authorization: basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET),
      });
    expect((await token(redis.first)).statusCode).toBe(200);
    expect((await token(redis.second)).statusCode).toBe(200);
    expect((await token(redis.first)).statusCode).toBe(200);
    expectTooMany(await token(redis.second), TOO_MANY);
    expectTooMany(await token(redis.first), TOO_MANY);
    const counter = await redis.raw.get(
      `${redis.prefix}gatehouse:rate-limit:client:${ADMIN_CLIENT_ID}`,
    );
    expect(counter).toBe('5');
  });

  it('failed client authentications on one instance lock the client_id on the other', async () => {
    const attempt = (sut: TestApp) =>
      sut.postForm('/token', CLIENT_CREDENTIALS, {
        authorization: basicAuth('shared-backoff-client', 'wrong secret'),
      });
    expect((await attempt(redis.first)).statusCode).toBe(401);
    expect((await attempt(redis.second)).statusCode).toBe(401);
    expectTooMany(await attempt(redis.first), TOO_MANY_FAILURES);
  });
});

describe('failed sign-ins in Redis (REDIS_URL): two instances share the throttle', () => {
  const redis = instancesSharingRedis({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' });

  it('failed sign-ins on one instance throttle the account on the other', async () => {
    const username = `shared-${randomUUID().slice(0, 8)}`;
    await createUser(redis.first, { username });
    const signIn = async (sut: TestApp, password: string) => {
      const page = await sut.request({ method: 'GET', url: '/login' });
      const csrf = hiddenFields(page.body).csrf_token;
      const response = await sut.postForm(
        '/login',
        { csrf_token: csrf, username, password },
        { cookie: `gatehouse_csrf=${csrf}` },
      );
      expect(response.statusCode).toBe(303);
      return response.headers.location;
    };
    expect(await signIn(redis.first, 'wrong password')).toBe('/login?error=invalid');
    expect(await signIn(redis.second, 'wrong password')).toBe('/login?error=invalid');
    // Two failures in all: the right password is refused on both, without being checked.
    expect(await signIn(redis.first, PASSWORD)).toMatch(/^\/login\?error=throttled&wait=\d+$/);
    expect(await signIn(redis.second, PASSWORD)).toMatch(/^\/login\?error=throttled&wait=\d+$/);
  });
});

describe('rate limits when Redis cannot be reached', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
  });
  after(() => sut.close());

  it('/token fails closed: 503 temporarily_unavailable with Retry-After, never a token', async () => {
    const response = await sut.postForm('/token', CLIENT_CREDENTIALS, {
      authorization: basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET),
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual(UNAVAILABLE);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('/login answers a 503 page with Retry-After', async () => {
    const response = await sut.postForm('/login', { username: 'someone', password: 'pw' });
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ ...PAGE_HEADERS, 'retry-after': '1' });
    expect(response.body).toContain('<h1>Temporarily unavailable</h1>');
  });

  it('routes outside the limits keep working', async () => {
    const response = await sut.request({ method: 'GET', url: '/.well-known/openid-configuration' });
    expect(response.statusCode).toBe(200);
  });
});
