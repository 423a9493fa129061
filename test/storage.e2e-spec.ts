import { expect } from 'expect';
import { createPrivateKey, createPublicKey, JsonWebKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { KeyEncryption } from '../src/crypto/key-encryption.service';
import { dataSourceOptions } from '../src/database/data-source-options';
import { DatabaseServer } from '../src/database/database-server';
import { MIGRATIONS } from '../src/database/migrations';
import { ENTITIES } from '../src/entities';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

const MIGRATION_NAMES = MIGRATIONS.map((Migration) => new Migration().name ?? Migration.name);
/** The Foundation migration's tables; later migrations add more. */
const FOUNDATION_TABLES = ['clients', 'migrations', 'signing_keys'];

async function publicTables(dataSource: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await dataSource.query(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

async function executedMigrations(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query(
    'SELECT name FROM migrations ORDER BY id',
  );
  return rows.map((row) => row.name);
}

describe('storage: embedded PGlite under DATA_DIR survives a restart', () => {
  let dataDir: string;
  let sut: TestApp;
  let created: Record<string, unknown>;
  let jwksBefore: unknown;
  let keyFileBefore: string;

  // No DATABASE_URL and no KEY_ENCRYPTION_KEY: the embedded defaults, as `npm start` uses them.
  const start = () =>
    startTestApp({ DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: '' }, { embedded: true });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-storage-'));
    const first = await start();
    try {
      const response = await first.admin('POST', '/admin/clients', {
        client_name: 'persisted service',
        client_type: 'm2m',
        scope: 'invoices.read',
      });
      if (response.statusCode !== 201) throw new Error(`create client: ${response.body}`);
      created = response.json();
      jwksBefore = (await first.request({ method: 'GET', url: '/jwks' })).json();
      keyFileBefore = readFileSync(join(dataDir, 'key-encryption.key'), 'utf8');
    } finally {
      await first.close();
    }
    sut = await start();
  });

  after(async () => {
    await sut?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs on the embedded database, not a server database', () => {
    expect(sut.config.database.url).toBeUndefined();
    expect(sut.app.get(DatabaseServer).settings.embedded).toBe(true);
  });

  it('bounds the shared buffers to 16 MB, so the WebAssembly memory stops growing (decision 0323)', async () => {
    const [row] = await sut.app.get(DataSource).query<unknown[]>('SHOW shared_buffers');
    expect(row).toEqual({ shared_buffers: '16MB' });
  });

  it('keeps the PostgreSQL cluster under DATA_DIR/pgdata', () => {
    expect(existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);
  });

  it('still has a client created before the restart, without its secret', async () => {
    const response = await sut.admin('GET', `/admin/clients/${String(created.client_id)}`);

    expect(response.statusCode).toBe(200);
    const { client_secret, client_secret_expires_at, ...stored } = created;
    expect(client_secret).toEqual(expect.any(String));
    expect(client_secret_expires_at).toBe(0);
    expect(response.json()).toEqual(stored);
  });

  it("accepts the client's secret at /token after the restart", async () => {
    const response = await sut.postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(String(created.client_id), String(created.client_secret)) },
    );

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'invoices.read',
    });
  });

  it('publishes the same signing keys in /jwks after the restart', async () => {
    const response = await sut.request({ method: 'GET', url: '/jwks' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(jwksBefore);
    const { keys } = jwksBefore as { keys: { kid: string; alg: string }[] };
    expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    expect(keys.every((key) => typeof key.kid === 'string' && key.kid.length > 0)).toBe(true);
  });

  it('generates the key-encryption key once, readable only by its owner (0600)', () => {
    const file = join(dataDir, 'key-encryption.key');

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(keyFileBefore);
    expect(Buffer.from(keyFileBefore.trim(), 'base64')).toHaveLength(32);
  });
});

describe('storage: the schema comes from migrations and private keys are encrypted at rest', () => {
  // A fresh database on TEST_DATABASE_URL's server when it is set (CI); embedded otherwise.
  let sut: TestApp;
  let dataSource: DataSource;

  before(async () => {
    sut = await startTestApp();
    // The same DataSource options the migration CLI (ormconfig.ts) uses.
    const { settings } = sut.app.get(DatabaseServer);
    dataSource = new DataSource(dataSourceOptions({ ...settings, migrationsRun: false }, ENTITIES));
    await dataSource.initialize();
  });

  after(async () => {
    await dataSource?.destroy();
    await sut?.close();
  });

  it('uses TEST_DATABASE_URL when set, the embedded database otherwise', async () => {
    const { settings } = sut.app.get(DatabaseServer);
    const serverUrl = process.env.TEST_DATABASE_URL;

    expect(settings.embedded).toBe(!serverUrl);
    if (serverUrl) {
      expect(settings.url).toBe(sut.database.url);
      const [{ name }] = await dataSource.query('SELECT current_database() AS name');
      expect(`/${name}`).toBe(new URL(String(sut.database.url)).pathname);
    }
  });

  it('lists the Foundation migration, applied at start, in the migrations table', async () => {
    expect(MIGRATION_NAMES[0]).toBe('Foundation1763900000000');
    expect(await executedMigrations(dataSource)).toEqual(MIGRATION_NAMES);
  });

  it('creates the tables', async () => {
    expect(await publicTables(dataSource)).toEqual(expect.arrayContaining(FOUNDATION_TABLES));
  });

  it('finds accounts by email through an index, not by reading every user', async () => {
    const plan = await dataSource.transaction(async (manager) => {
      // A near-empty table makes a scan look cheap: rule it out to see which index answers.
      await manager.query('SET LOCAL enable_seqscan = off');
      const rows: Array<{ 'QUERY PLAN': string }> = await manager.query(
        `EXPLAIN SELECT id FROM users WHERE lower(email) = lower($1)`,
        ['someone@example.com'],
      );
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('IDX_users_email_lower');
  });

  it('keeps the entities and the migrations in step (migration:generate finds nothing)', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();

    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('stores each private signing key encrypted, never as PEM or plain DER', async () => {
    const rows: { algorithm: string; public_jwk: JsonWebKey; private_key_encrypted: string }[] =
      await dataSource.query(
        'SELECT algorithm, public_jwk, private_key_encrypted FROM signing_keys ORDER BY algorithm',
      );
    expect(rows.map((row) => row.algorithm).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);

    for (const row of rows) {
      const stored = row.private_key_encrypted;
      expect(stored).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(stored).not.toMatch(/BEGIN|PRIVATE|KEY-----/);
      const bytes = Buffer.from(stored, 'base64url');
      expect(bytes.toString('latin1')).not.toContain('PRIVATE KEY');
      expect(() => createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' })).toThrow();

      // Only KEY_ENCRYPTION_KEY opens it, and inside is the private half of the published key.
      const pem = sut.app.get(KeyEncryption).decrypt(stored).toString('utf8');
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const publicJwk = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' });
      const { kty, crv, x, y, n, e } = row.public_jwk;
      expect(publicJwk).toEqual(JSON.parse(JSON.stringify({ kty, crv, x, y, n, e })));
    }
  });

  it('reverts the migrations and applies them again through the DataSource', async () => {
    const tables = await publicTables(dataSource);
    for (let i = 0; i < MIGRATION_NAMES.length; i++) await dataSource.undoLastMigration();
    expect(await executedMigrations(dataSource)).toEqual([]);
    expect(await publicTables(dataSource)).toEqual(['migrations']);

    const applied = await dataSource.runMigrations();

    expect(applied.map((migration) => migration.name)).toEqual(MIGRATION_NAMES);
    expect(await executedMigrations(dataSource)).toEqual(MIGRATION_NAMES);
    expect(await publicTables(dataSource)).toEqual(tables);
  });
});
