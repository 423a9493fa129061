import { expect } from 'expect';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './support/free-port';
import { createTestDatabase, TestDatabase, NEEDS_POSTGRES_SERVER } from './support/test-database';

const MAIN = join(__dirname, '..', 'src', 'main.js');

async function eventually(ms: number, probe: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

// WORKERS=N needs PostgreSQL (embedded PGlite serves one process); CI always sets TEST_DATABASE_URL.
describe('WORKERS (on a PostgreSQL server)', { skip: NEEDS_POSTGRES_SERVER }, () => {
  describe('WORKERS=2: one primary, two workers sharing the port', () => {
    let database: TestDatabase;
    let primary: ChildProcess;
    let output = '';
    let port: number;
    let metricsPort: number;
    const listening = () =>
      [...output.matchAll(/Gatehouse (\d+) listening on/g)].map((match) => Number(match[1]));

    before(async () => {
      database = await createTestDatabase();
      port = await freePort();
      metricsPort = await freePort();
      primary = spawn(process.execPath, [MAIN], {
        env: {
          ...process.env,
          WORKERS: '2',
          PORT: String(port),
          HOST: '127.0.0.1',
          METRICS_PORT: String(metricsPort),
          DATABASE_URL: database.url,
          KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          ADMIN_CLIENT_ID: 'workers-admin',
          ADMIN_CLIENT_SECRET: 'workers-admin-secret-0123456789abcdefghij',
          BCRYPT_COST: '4',
          // The start line ("Gatehouse <pid> listening on") is at info.
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      expect(await eventually(60_000, () => listening().length >= 2)).toBe(true);
    });
    after(async () => {
      primary.kill('SIGTERM');
      await new Promise((resolve) => primary.once('exit', resolve));
      await database.drop();
    });

    it('starts two workers, each its own process, and serves requests', async () => {
      const pids = listening();
      expect(new Set(pids).size).toBe(2);
      expect(pids).not.toContain(primary.pid);
      expect(output).toContain(`Gatehouse primary ${primary.pid} started 2 workers`);
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(response.status).toBe(200);
    });

    it('issues tokens from any worker that every worker accepts', async () => {
      const basic = `Basic ${Buffer.from('workers-admin:workers-admin-secret-0123456789abcdefghij').toString('base64')}`;
      for (let i = 0; i < 6; i++) {
        const token = await fetch(`http://127.0.0.1:${port}/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        expect(token.status).toBe(200);
        const { access_token } = (await token.json()) as { access_token: string };
        const clients = await fetch(`http://127.0.0.1:${port}/admin/clients?limit=1`, {
          headers: { authorization: `Bearer ${access_token}`, connection: 'close' },
        });
        expect(clients.status).toBe(200);
      }
    });

    it("serves the sum of every worker's metrics from the primary (docs/metrics.md)", async () => {
      const tokens = (text: string) =>
        Number(
          /^gatehouse_tokens_issued_total\{grant_type="client_credentials",client_type="confidential"\} (\d+)$/m.exec(
            text,
          )?.[1] ?? 0,
        );
      const scrape = async () => {
        const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
        expect(response.status).toBe(200);
        return response.text();
      };
      const before = tokens(await scrape());
      const basic = `Basic ${Buffer.from('workers-admin:workers-admin-secret-0123456789abcdefghij').toString('base64')}`;
      for (let i = 0; i < 6; i++) {
        const token = await fetch(`http://127.0.0.1:${port}/token`, {
          method: 'POST',
          // A new connection each time, so both workers answer some.
          headers: {
            authorization: basic,
            'content-type': 'application/x-www-form-urlencoded',
            connection: 'close',
          },
          body: 'grant_type=client_credentials',
        });
        expect(token.status).toBe(200);
      }
      expect(tokens(await scrape())).toBe(before + 6);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    });

    it('replaces a worker that dies', async () => {
      const [victim] = listening();
      process.kill(victim, 'SIGKILL');
      expect(await eventually(30_000, () => listening().length >= 3)).toBe(true);
      expect(output).toContain(
        `Gatehouse worker ${victim} exited (SIGKILL); starting a replacement`,
      );
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    });
  });
});
