import { expect } from 'expect';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { TestBrowser } from './support/browser';
import { createRole, nextSecond, setUserRoles } from './support/access';
import { createUser, dataSource, hiddenFields, pkcePair, refresh } from './support/code-flow';
import { formBody, InjectResult, startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, NEEDS_POSTGRES_SERVER } from './support/test-database';
import { ConfigError, loadConfig } from '../src/config/load-config';

const ISSUER = 'http://localhost:3000';
const CALLBACK = `${ISSUER}/console/callback`;
const SETUP_LINE =
  /^Admin setup: http:\/\/localhost:3000\/console\/setup#token=([A-Za-z0-9_-]{43})$/;
const ADMIN_PASSWORD = 'a long admin passphrase 42';
const NO_ADMIN_PERSON = { ADMIN_USERNAME: '', ADMIN_PASSWORD: '' };

/** One database that outlives an app (as test/admin-bootstrap.e2e-spec.ts). */
interface SharedStorage {
  start(env?: Record<string, string>): Promise<TestApp>;
  dispose(): Promise<void>;
}

async function sharedStorage(): Promise<SharedStorage> {
  const base = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  if (process.env.TEST_DATABASE_URL) {
    const database = await createTestDatabase();
    return {
      start: (env = {}) => startTestApp({ ...base, ...env }, { database }),
      dispose: () => database.drop(),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-console-'));
  return {
    start: (env = {}) => startTestApp({ ...base, DATA_DIR: dataDir, ...env }, { embedded: true }),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Runs `work` while recording stdout; the `Admin setup:` lines are kept out of the output. */
async function capturingStdout<T>(work: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const write = process.stdout.write;
  let text = '';
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string') {
      text += chunk;
      if (chunk.startsWith('Admin setup:')) return true;
    }
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  try {
    const result = await work();
    return { result, lines: text.split('\n') };
  } finally {
    process.stdout.write = write;
  }
}

const setupLines = (lines: string[]) => lines.filter((line) => line.startsWith('Admin setup:'));

function tokenOf(lines: string[]): string {
  const [line] = setupLines(lines);
  const token = SETUP_LINE.exec(line ?? '')?.[1];
  if (!token) throw new Error(`no setup line in ${JSON.stringify(lines)}`);
  return token;
}

function postSetup(sut: TestApp, body: unknown, contentType = 'application/json') {
  return sut.request({
    method: 'POST',
    url: '/console/setup',
    headers: { 'content-type': contentType, 'user-agent': 'SetupTest/1.0' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const BAD_TOKEN = {
  error: 'invalid_request',
  message: expect.stringMatching(/^token: /),
  details: [{ field: 'token', problem: expect.any(String) }],
};

function expectBadToken(response: InjectResult, problem?: RegExp): void {
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual(BAD_TOKEN);
  if (problem) expect(response.json().details[0].problem).toMatch(problem);
}

/** Signs in through the console client (no consent page) and exchanges the code. */
async function consoleTokens(sut: TestApp, username: string, password: string) {
  const browser = new TestBrowser(sut);
  const pkce = pkcePair();
  let step = await browser.get(
    `/authorize?${formBody({
      response_type: 'code',
      client_id: 'gatehouse-console',
      redirect_uri: CALLBACK,
      scope: 'openid profile offline_access iam:admin iam:check',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    })}`,
  );
  const page = await browser.get(step.location!);
  const login = await browser.post('/login', { ...hiddenFields(page.body), username, password });
  // A wrong password goes back to the login page with an error.
  if (login.statusCode !== 303 || login.location?.includes('error=')) return undefined;
  step = await browser.get(login.location!);
  if (!step.location?.startsWith(CALLBACK)) {
    throw new Error(`${step.statusCode} ${step.location}`);
  }
  const code = new URL(step.location).searchParams.get('code')!;
  const response = await sut.postForm('/token', {
    grant_type: 'authorization_code',
    client_id: 'gatehouse-console',
    code,
    redirect_uri: CALLBACK,
    code_verifier: pkce.verifier,
  });
  expect(response.statusCode).toBe(200);
  return response.json<{ access_token: string; refresh_token: string; scope: string }>();
}

describe('the setup link (no ADMIN_USERNAME/ADMIN_PASSWORD)', () => {
  let storage: SharedStorage;
  let sut: TestApp | undefined;
  let token: string;

  before(async () => {
    storage = await sharedStorage();
    const started = await capturingStdout(() => storage.start(NO_ADMIN_PERSON));
    sut = started.result;
    expect(setupLines(started.lines)).toHaveLength(1);
    token = tokenOf(started.lines);
  });

  after(async () => {
    await sut?.close();
    await storage.dispose();
  });

  it('keeps only the hash of the token, good for 24 hours', async () => {
    const rows = await dataSource(sut!).query(
      `SELECT token_hash, used_at, expires_at - created_at AS lifetime FROM console_setup_tokens`,
    );

    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(rows[0].used_at).toBeNull();
    expect(JSON.stringify(rows)).not.toContain(token);
    const lifetime = rows[0].lifetime as { hours?: number; days?: number };
    expect((lifetime.hours ?? 0) + (lifetime.days ?? 0) * 24).toBe(24);
  });

  it('refuses a wrong token with 400 naming the token', async () => {
    const wrong = randomBytes(32).toString('base64url');

    expectBadToken(
      await postSetup(sut!, { token: wrong, username: 'root', password: ADMIN_PASSWORD }),
      /not a valid setup token/,
    );
  });

  it('refuses bad input without spending the token', async () => {
    const cases: Array<[unknown, string]> = [
      [{ token, username: 'root', password: 'short pass' }, 'password'],
      [{ token, username: 'root', password: 'aaaaaaaaaaaaaaaa' }, 'password'],
      [{ token, username: 'root', password: 'x'.repeat(5_000) }, 'password'],
      [{ token, username: 'ro\u0000ot', password: ADMIN_PASSWORD }, 'username'],
      [{ token, username: 'r'.repeat(10_000), password: ADMIN_PASSWORD }, 'username'],
      [{ token: `${token}\u0000`, username: 'root', password: ADMIN_PASSWORD }, 'token'],
      [{ token: 't'.repeat(5_000), username: 'root', password: ADMIN_PASSWORD }, 'token'],
      [{ token: [token, token], username: 'root', password: ADMIN_PASSWORD }, 'token'],
      [{ token, username: ['root', 'other'], password: ADMIN_PASSWORD }, 'username'],
      [{ token, username: 'root', password: ADMIN_PASSWORD, email: 'not an address' }, 'email'],
      [{ username: 'root', password: ADMIN_PASSWORD }, 'token'],
      [{ token, username: 'root', password: ADMIN_PASSWORD, roles: ['admin'] }, 'roles'],
    ];
    for (const [body, field] of cases) {
      const response = await postSetup(sut!, body);
      expect({ field, status: response.statusCode }).toEqual({ field, status: 400 });
      expect(response.json().error).toBe('invalid_request');
      expect(response.json().details.map((d: { field: string }) => d.field)).toContain(field);
    }
    // Past BODY_LIMIT: 413 before anything is read.
    const huge = await postSetup(sut!, {
      token,
      username: 'root',
      password: 'x'.repeat(2_000_000),
    });
    expect(huge.statusCode).toBe(413);
    // A form, with a repeated field, is refused too.
    const form = await postSetup(
      sut!,
      formBody({ token: [token, token], username: 'root', password: ADMIN_PASSWORD }),
      'application/x-www-form-urlencoded',
    );
    expect(form.statusCode).toBe(400);
    const plainForm = await postSetup(
      sut!,
      formBody({ token, username: 'root', password: ADMIN_PASSWORD }),
      'application/x-www-form-urlencoded',
    );
    expect(plainForm.statusCode).toBe(400);
    expect(plainForm.json().details).toEqual([
      { field: 'content-type', problem: 'must be application/json' },
    ]);

    const rows = await dataSource(sut!).query(`SELECT used_at FROM console_setup_tokens`);
    expect(rows[0].used_at).toBeNull();
    const users = await sut!.admin('GET', '/admin/users');
    expect(users.headers['x-total-count']).toBe('0');
  });

  it('makes the first admin person once: 201 {id, username}, audited, with iam:admin at once', async () => {
    const response = await postSetup(sut!, {
      token,
      username: 'root',
      password: ADMIN_PASSWORD,
      email: 'root@example.com',
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const { id } = response.json();
    expect(response.json()).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'root',
    });
    const roles = await sut!.admin('GET', '/admin/roles/admin');
    expect(roles.json().permissions).toEqual(['iam:admin', 'iam:check']);
    const tokens = await consoleTokens(sut!, 'root', ADMIN_PASSWORD);
    expect(tokens!.scope.split(' ')).toEqual(expect.arrayContaining(['iam:admin', 'iam:check']));
    expect(decodeJwt(tokens!.access_token).sub).toBe(id);
    const events = await sut!.admin('GET', `/admin/audit-events?target_id=${id}`);
    expect(
      events
        .json()
        .filter((e: { type: string }) => e.type !== 'login.succeeded')
        .map((e: { type: string; actor: unknown; user_agent: string }) => [
          e.type,
          e.actor,
          e.user_agent,
        ])
        .sort(),
    ).toEqual([
      ['user.created', { type: 'anonymous', id: null }, 'SetupTest/1.0'],
      ['user.roles_changed', { type: 'anonymous', id: null }, 'SetupTest/1.0'],
    ]);
  });

  it('refuses the same token a second time', async () => {
    expectBadToken(
      await postSetup(sut!, { token, username: 'root2', password: ADMIN_PASSWORD }),
      /used or has expired/,
    );
  });

  it('prints no setup line on the next start', async () => {
    await sut!.close();
    sut = undefined;

    const second = await capturingStdout(() => storage.start(NO_ADMIN_PERSON));
    sut = second.result;

    expect(setupLines(second.lines)).toEqual([]);
  });
});

describe('a setup token that is expired, or after an administrator exists', () => {
  let storage: SharedStorage;
  let sut: TestApp;
  let token: string;

  beforeEach(async () => {
    storage = await sharedStorage();
    const started = await capturingStdout(() => storage.start(NO_ADMIN_PERSON));
    sut = started.result;
    token = tokenOf(started.lines);
  });

  afterEach(async () => {
    await sut.close();
    await storage.dispose();
  });

  it('refuses an expired token', async () => {
    await dataSource(sut).query(
      `UPDATE console_setup_tokens SET expires_at = now() - interval '1 second'`,
    );

    expectBadToken(
      await postSetup(sut, { token, username: 'root', password: ADMIN_PASSWORD }),
      /expired/,
    );
  });

  it('refuses the token once someone holds iam:admin through a role', async () => {
    const role = await createRole(sut, ['iam:admin']);
    const person = await createUser(sut);
    await setUserRoles(sut, person.id, [role]);

    const response = await postSetup(sut, { token, username: 'late', password: ADMIN_PASSWORD });

    expectBadToken(response, /an administrator exists/);
    const users = await sut.admin('GET', '/admin/users');
    expect(users.headers['x-total-count']).toBe('1');
  });

  it('lets one of two concurrent redemptions through', async () => {
    const [a, b] = await Promise.all([
      postSetup(sut, { token, username: 'first', password: ADMIN_PASSWORD }),
      postSetup(sut, { token, username: 'second', password: ADMIN_PASSWORD }),
    ]);

    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 400]);
    const users = await sut.admin('GET', '/admin/users');
    expect(users.headers['x-total-count']).toBe('1');
  });
});

describe('CONSOLE_ENABLED turned off and on again', () => {
  it("ends every token of the console's client, also once it is enabled again", async () => {
    const storage = await sharedStorage();
    const person = { ADMIN_USERNAME: 'ops.admin', ADMIN_PASSWORD };
    let sut = await storage.start(person);
    try {
      const tokens = await consoleTokens(sut, 'ops.admin', ADMIN_PASSWORD);
      const call = (app: TestApp) =>
        app.request({
          method: 'GET',
          url: '/admin/clients',
          headers: { authorization: `Bearer ${tokens!.access_token}` },
        });
      expect((await call(sut)).statusCode).toBe(200);
      await sut.close();

      sut = await storage.start({ ...person, CONSOLE_ENABLED: 'false' });
      expect((await call(sut)).statusCode).toBe(401);
      await sut.close();

      sut = await storage.start(person);
      expect((await call(sut)).statusCode).toBe(401);
      const refreshed = await refresh(
        sut,
        { client_id: 'gatehouse-console' },
        tokens!.refresh_token,
      );
      expect(refreshed.statusCode).toBe(400);
    } finally {
      await sut.close();
      await storage.dispose();
    }
  });
});

describe('POST /console/setup under the per-address rate limit', () => {
  let sut: TestApp;

  before(async () => {
    sut = await startTestApp({ RATE_LIMIT_PER_IP: '3' });
  });

  after(async () => {
    await sut.close();
  });

  it('answers 429 with Retry-After past the limit', async () => {
    const body = {
      token: randomBytes(32).toString('base64url'),
      username: 'x1',
      password: ADMIN_PASSWORD,
    };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postSetup(sut, body)).statusCode);

    expect(statuses).toEqual([400, 400, 400, 429]);
    const limited = await postSetup(sut, body);
    expect(limited.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
  });
});

describe(
  'processes starting together on an empty database',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    it('print at most one setup line', async () => {
      const database = await createTestDatabase();
      const env = { ...NO_ADMIN_PERSON, KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
      try {
        const { result, lines } = await capturingStdout(() =>
          Promise.all([0, 1, 2].map(() => startTestApp(env, { database }))),
        );
        await Promise.all(result.map((app) => app.close()));

        expect(setupLines(lines)).toHaveLength(1);
      } finally {
        await database.drop();
      }
    });
  },
);

describe('the first admin person from ADMIN_USERNAME/ADMIN_PASSWORD', () => {
  let storage: SharedStorage;
  let sut: TestApp | undefined;
  const person = { ADMIN_USERNAME: 'ops.admin', ADMIN_PASSWORD };

  beforeEach(async () => {
    storage = await sharedStorage();
  });

  afterEach(async () => {
    await sut?.close();
    sut = undefined;
    await storage.dispose();
  });

  const startWith = async (env: Record<string, string>) => {
    await sut?.close();
    const started = await capturingStdout(() => storage.start(env));
    sut = started.result;
    return started.lines;
  };

  it('makes the person holding admin, prints no setup line, and the console gives iam:admin', async () => {
    const lines = await startWith(person);

    expect(setupLines(lines)).toEqual([]);
    const tokens = await consoleTokens(sut!, 'ops.admin', ADMIN_PASSWORD);
    expect(tokens!.scope.split(' ')).toEqual(expect.arrayContaining(['iam:admin', 'iam:check']));
    const list = await sut!.request({
      method: 'GET',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${tokens!.access_token}` },
    });
    expect(list.statusCode).toBe(200);
    const users = await sut!.admin('GET', '/admin/users');
    expect(users.json()).toEqual([
      expect.objectContaining({ username: 'ops.admin', status: 'active' }),
    ]);
  });

  it('keeps sessions over a restart with the same password', async () => {
    await startWith(person);
    const tokens = await consoleTokens(sut!, 'ops.admin', ADMIN_PASSWORD);

    await startWith(person);

    const refreshed = await refresh(
      sut!,
      { client_id: 'gatehouse-console' },
      tokens!.refresh_token,
    );
    expect(refreshed.statusCode).toBe(200);
  });

  it('a changed ADMIN_PASSWORD replaces the old one and ends the sessions', async () => {
    await startWith(person);
    const tokens = await consoleTokens(sut!, 'ops.admin', ADMIN_PASSWORD);
    const newPassword = 'another admin passphrase 7';

    await startWith({ ...person, ADMIN_PASSWORD: newPassword });
    // A session from the cut-off's own second counts as before it (docs/security/privilege.md).
    await nextSecond();

    const refreshed = await refresh(
      sut!,
      { client_id: 'gatehouse-console' },
      tokens!.refresh_token,
    );
    expect(refreshed.statusCode).toBe(400);
    expect(refreshed.json().error).toBe('invalid_grant');
    expect(await consoleTokens(sut!, 'ops.admin', ADMIN_PASSWORD)).toBeUndefined();
    expect(await consoleTokens(sut!, 'ops.admin', newPassword)).toBeDefined();
  });

  it('enables the person again, and gives back the role and its permissions', async () => {
    await startWith(NO_ADMIN_PERSON);
    await sut!.admin('POST', '/admin/roles', { name: 'admin', permissions: ['docs:read'] });

    await startWith(person);
    const users = await sut!.admin('GET', '/admin/users');
    const id = users.json()[0].id as string;
    expect(
      (await sut!.admin('PATCH', `/admin/users/${id}`, { status: 'disabled' })).statusCode,
    ).toBe(200);
    expect((await sut!.admin('PUT', `/admin/users/${id}/roles`, { roles: [] })).statusCode).toBe(
      200,
    );

    await startWith(person);

    const role = await sut!.admin('GET', '/admin/roles/admin');
    expect(role.json().permissions).toEqual(['docs:read', 'iam:admin', 'iam:check']);
    const tokens = await consoleTokens(sut!, 'ops.admin', ADMIN_PASSWORD);
    expect(tokens!.scope.split(' ')).toContain('iam:admin');
  });

  it('does not take over a person someone else made with that username', async () => {
    await startWith(NO_ADMIN_PERSON);
    const created = await sut!.admin('POST', '/admin/users', {
      username: 'ops.admin',
      password: 'correct horse battery staple',
    });
    expect(created.statusCode).toBe(201);
    await sut!.close();
    sut = undefined;

    const started = storage.start(person);

    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      /ADMIN_PASSWORD: the person ops\.admin exists, does not hold the role admin, and has another password/,
    );
    sut = await storage.start(NO_ADMIN_PERSON);
    const roles = await sut.admin('GET', '/admin/roles');
    expect(roles.json()).toEqual([]);
    expect(await consoleTokens(sut, 'ops.admin', 'correct horse battery staple')).toBeDefined();
  });

  it('stops the start with a ConfigError naming ADMIN_PASSWORD for a weak password', async () => {
    const started = storage.start({
      ADMIN_USERNAME: 'ops.admin',
      ADMIN_PASSWORD: 'aaaaaaaaaaaaaaaa',
    });

    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/ADMIN_PASSWORD: is a repeated or sequential run/);
  });
});

describe('ADMIN_USERNAME and ADMIN_PASSWORD settings', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ ISSUER, ...env });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('names ADMIN_PASSWORD when it is missing', () => {
    expect(problems({ ADMIN_USERNAME: 'root' })).toEqual([
      'ADMIN_PASSWORD: is required with ADMIN_USERNAME',
    ]);
  });

  it('names ADMIN_USERNAME when it is missing', () => {
    expect(problems({ ADMIN_PASSWORD })).toEqual([
      'ADMIN_USERNAME: is required with ADMIN_PASSWORD',
    ]);
  });

  it('names ADMIN_PASSWORD when it is shorter than 12 characters', () => {
    expect(problems({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'elevenchars' })).toEqual([
      'ADMIN_PASSWORD: must be at least 12 characters',
    ]);
  });

  it('names ADMIN_USERNAME when it is not a username', () => {
    expect(problems({ ADMIN_USERNAME: 'a b', ADMIN_PASSWORD })).toEqual([
      'ADMIN_USERNAME: must be 3 to 64 characters of A-Z a-z 0-9 . _ @ + -',
    ]);
  });

  it("refuses ADMIN_CLIENT_ID=gatehouse-console, the console's own client", () => {
    expect(
      problems({
        ADMIN_CLIENT_ID: 'gatehouse-console',
        ADMIN_CLIENT_SECRET: 'test-admin-secret-0123456789abcdefghijklmnop',
      }),
    ).toEqual(["ADMIN_CLIENT_ID: gatehouse-console is the console's own client; choose another"]);
  });

  it('CONSOLE_ENABLED defaults to true and takes only true or false', () => {
    expect(loadConfig({ ISSUER }).consoleEnabled).toBe(true);
    expect(loadConfig({ ISSUER, CONSOLE_ENABLED: 'false' }).consoleEnabled).toBe(false);
    expect(problems({ CONSOLE_ENABLED: 'maybe' })).toEqual([
      'CONSOLE_ENABLED: must be true or false',
    ]);
  });
});
