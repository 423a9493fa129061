import { expect } from 'expect';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { basicAuth, startTestApp, TestApp } from './support/test-app';
import { createTestDatabase } from './support/test-database';
import { ConfigError } from '../src/config/load-config';

const ADMIN_LINE =
  /^Admin client: client_id=([A-Za-z0-9_-]{22,}) client_secret=([A-Za-z0-9_-]{43,}) \(shown once; scope iam:admin iam:check\)$/;

/**
 * One database that outlives an app, so a test can start twice on it: a fresh database on
 * TEST_DATABASE_URL's server when set, else embedded PGlite under a temporary DATA_DIR.
 */
interface SharedStorage {
  start(env: Record<string, string>): Promise<TestApp>;
  dispose(): Promise<void>;
}

async function sharedStorage(): Promise<SharedStorage> {
  // One KEY_ENCRYPTION_KEY for every start, or the second could not open the signing keys.
  const base = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  if (process.env.TEST_DATABASE_URL) {
    const database = await createTestDatabase();
    return {
      start: (env) => startTestApp({ ...base, ...env }, { database }),
      dispose: () => database.drop(),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bootstrap-'));
  return {
    start: (env) => startTestApp({ ...base, DATA_DIR: dataDir, ...env }, { embedded: true }),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * Runs `work` while recording the text written to stdout. The test runner's own reports
 * (binary chunks) pass through untouched; the `Admin client:` line is kept out of the output.
 */
async function capturingStdout<T>(work: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const write = process.stdout.write;
  let text = '';
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string') {
      text += chunk;
      if (chunk.startsWith('Admin client:')) return true;
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

function adminLines(lines: string[]): string[] {
  return lines.filter((line) => line.startsWith('Admin client:'));
}

async function tokenFor(app: TestApp, clientId: string, secret: string) {
  return app.postForm(
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: basicAuth(clientId, secret) },
  );
}

async function bearer(app: TestApp, clientId: string, secret: string): Promise<string> {
  const response = await tokenFor(app, clientId, secret);
  if (response.statusCode !== 200) throw new Error(`token: ${response.body}`);
  return response.json().access_token as string;
}

const UNSET_ADMIN = { ADMIN_CLIENT_ID: '', ADMIN_CLIENT_SECRET: '' };

describe('admin bootstrap without ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET', () => {
  let storage: SharedStorage;
  let app: TestApp | undefined;
  let firstLines: string[];

  before(async () => {
    storage = await sharedStorage();
    const first = await capturingStdout(() => storage.start(UNSET_ADMIN));
    app = first.result;
    firstLines = first.lines;
  });

  after(async () => {
    await app?.close();
    await storage.dispose();
  });

  it('prints exactly one stdout line beginning "Admin client:" on the first start', () => {
    const lines = adminLines(firstLines);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(ADMIN_LINE);
  });

  it('prints credentials that get an iam:admin iam:check token', async () => {
    const [, clientId, secret] = ADMIN_LINE.exec(adminLines(firstLines)[0]) ?? [];

    const response = await tokenFor(app!, clientId, secret);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'iam:admin iam:check',
    });
  });

  it('creates a confidential client_credentials client that the admin API accepts', async () => {
    const [, clientId, secret] = ADMIN_LINE.exec(adminLines(firstLines)[0]) ?? [];
    const token = await bearer(app!, clientId, secret);

    const response = await app!.request({
      method: 'GET',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${token}` },
    });

    expect(response.statusCode).toBe(200);
    // Besides it, only the console's own client (docs/console.md), ensured at every start.
    expect(response.headers['x-total-count']).toBe('2');
    expect(
      response
        .json()
        .map((c: { client_id: string }) => c.client_id)
        .sort(),
    ).toEqual([clientId, 'gatehouse-console'].sort());
    expect(response.json()).toContainEqual(
      expect.objectContaining({
        client_id: clientId,
        client_type: 'confidential',
        grant_types: ['client_credentials'],
        scope: 'iam:admin iam:check',
        token_endpoint_auth_method: 'client_secret_basic',
        status: 'active',
      }),
    );
    expect(response.body).not.toContain(secret);
  });

  it('prints nothing on a second start on the same database, and the first credentials still work', async () => {
    const [, clientId, secret] = ADMIN_LINE.exec(adminLines(firstLines)[0]) ?? [];
    await app!.close();
    app = undefined;

    const second = await capturingStdout(() => storage.start(UNSET_ADMIN));
    app = second.result;

    expect(adminLines(second.lines)).toEqual([]);
    const token = await bearer(app, clientId, secret);
    const list = await app.request({
      method: 'GET',
      url: '/admin/clients',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.statusCode).toBe(200);
    expect(list.headers['x-total-count']).toBe('2');
  });
});

describe('admin bootstrap with ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET', () => {
  const clientId = 'ops-admin-01';
  const firstSecret = `first-${randomBytes(24).toString('base64url')}`;
  const secondSecret = `second-${randomBytes(24).toString('base64url')}`;
  let storage: SharedStorage;
  let app: TestApp | undefined;

  beforeEach(async () => {
    storage = await sharedStorage();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await storage.dispose();
  });

  const startWith = async (secret: string) => {
    await app?.close();
    const started = await capturingStdout(() =>
      storage.start({ ADMIN_CLIENT_ID: clientId, ADMIN_CLIENT_SECRET: secret }),
    );
    app = started.result;
    return started.lines;
  };

  it('ensures a client with exactly those credentials and scope, printing nothing', async () => {
    const lines = await startWith(firstSecret);

    expect(adminLines(lines)).toEqual([]);
    const token = await tokenFor(app!, clientId, firstSecret);
    expect(token.statusCode).toBe(200);
    expect(token.json().scope).toBe('iam:admin iam:check');

    const read = await app!.request({
      method: 'GET',
      url: `/admin/clients/${clientId}`,
      headers: { authorization: `Bearer ${token.json().access_token}` },
    });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(
      expect.objectContaining({
        client_id: clientId,
        client_type: 'confidential',
        grant_types: ['client_credentials'],
        scope: 'iam:admin iam:check',
        token_endpoint_auth_method: 'client_secret_basic',
        status: 'active',
      }),
    );
    const wrong = await tokenFor(app!, clientId, secondSecret);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({
      error: 'invalid_client',
      error_description: expect.any(String),
    });
  });

  it('a changed ADMIN_CLIENT_SECRET on restart replaces the old one', async () => {
    await startWith(firstSecret);
    expect((await tokenFor(app!, clientId, firstSecret)).statusCode).toBe(200);

    await startWith(secondSecret);

    const old = await tokenFor(app!, clientId, firstSecret);
    expect(old.statusCode).toBe(401);
    expect(old.json().error).toBe('invalid_client');
    const current = await tokenFor(app!, clientId, secondSecret);
    expect(current.statusCode).toBe(200);
    expect(current.json().scope).toBe('iam:admin iam:check');
  });

  it('a restart restores the scope and status an admin changed through the API', async () => {
    await startWith(firstSecret);
    const token = await bearer(app!, clientId, firstSecret);
    const patched = await app!.request({
      method: 'PATCH',
      url: `/admin/clients/${clientId}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { scope: 'iam:check', status: 'disabled' },
    });
    expect(patched.statusCode).toBe(200);
    expect((await tokenFor(app!, clientId, firstSecret)).statusCode).toBe(401);

    await startWith(firstSecret);

    const response = await tokenFor(app!, clientId, firstSecret);
    expect(response.statusCode).toBe(200);
    expect(response.json().scope).toBe('iam:admin iam:check');
  });
});

describe('starting the server process with a bad setting', () => {
  // src/main.ts as compiled next to this file (dist-test/ in `npm test`).
  const main = join(__dirname, '..', 'src', 'main.js');
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-badconfig-'));
  });

  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('exits with EX_CONFIG (78) and names PORT when PORT=abc', () => {
    const result = run({ PORT: 'abc' });

    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Invalid configuration:\n {2}- PORT: [^\n]+\n$/);
  });

  it('exits with EX_CONFIG (78) and names ADMIN_CLIENT_SECRET when it is a placeholder', () => {
    const result = run({ ADMIN_CLIENT_ID: 'ops-admin-01', ADMIN_CLIENT_SECRET: 'changeme' });

    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'Invalid configuration:\n' +
        '  - ADMIN_CLIENT_SECRET: must be at least 32 characters\n' +
        '  - ADMIN_CLIENT_SECRET: is a placeholder value\n',
    );
  });
});

describe('starting with another KEY_ENCRYPTION_KEY than the stored keys were sealed with', () => {
  it('stops with a configuration error that names KEY_ENCRYPTION_KEY, not a crypto error', async () => {
    const storage = await sharedStorage();
    try {
      await (await storage.start({})).close();
      const other = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
      const started = storage.start(other);
      await expect(started).rejects.toThrow(
        /^Invalid configuration:\n {2}- KEY_ENCRYPTION_KEY: cannot open the stored signing key [\w-]+; it was sealed with another key-encryption key \(docs\/configuration\.md\)$/,
      );
      await expect(started).rejects.toBeInstanceOf(ConfigError);
    } finally {
      await storage.dispose();
    }
  });
});
