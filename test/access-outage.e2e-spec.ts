import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  check,
  clientToken,
  createRole,
  createRule,
  createService,
  Credentials,
  gateway,
  UUID,
  within,
} from './support/access';
import { TcpProxy } from './support/tcp-proxy';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase, NEEDS_POSTGRES_SERVER } from './support/test-database';

const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  message: 'access decisions are unavailable: the server cannot tell',
};

function expectUnavailable(response: InjectResult): void {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 503,
    body: UNAVAILABLE,
  });
  expect(response.headers['retry-after']).toBe('1');
  // docs/reason-codes.md: a decision id on every answer, a 503 included.
  expect(response.headers['x-decision-id']).toMatch(UUID);
}

/** Whether an answer let the request through (any surface). */
function allowed(response: InjectResult): boolean {
  if (response.statusCode !== 200) return false;
  if (response.body === '') return true; // the gateway's allow
  return response.json<{ allowed?: boolean }>().allowed === true;
}

// The database is cut off through a proxy in front of TEST_DATABASE_URL's server; embedded
// PGlite lives inside the process and cannot be cut off. CI always sets TEST_DATABASE_URL.
describe('checkAccess outages (on a PostgreSQL server)', { skip: NEEDS_POSTGRES_SERVER }, () => {
  describe('checkAccess with the database cut off (fail closed, recover without a restart)', () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    /** The app under test, reaching PostgreSQL only through the proxy. */
    let sut: TestApp;
    /** Another process on the same database, not behind the proxy: it makes changes meanwhile. */
    let other: TestApp;

    before(async () => {
      database = await createTestDatabase();
      const server = new URL(process.env.TEST_DATABASE_URL!);
      proxy = new TcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
      const proxied = new URL(database.url!);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(await proxy.listen());
      const env = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
      sut = await startTestApp(env, {
        database: { url: proxied.toString(), drop: async () => {} },
      });
      other = await startTestApp(env, { database });
    });
    after(async () => {
      proxy.restore();
      await other.close();
      await sut.close();
      await proxy.close();
      await database.drop();
    });

    it('never allows what it should deny, answers 503 while it cannot tell, and resumes', async () => {
      const reader = await createRole(sut, ['invoices:read']);
      await createRule(sut, { path: '/invoices/**', permission: 'invoices:read' });
      const holder = await createService(sut, 'invoices:read other', [reader]);
      const loser = await createService(sut, 'invoices:read', [reader]);
      const revokee = await createService(sut, 'invoices:read', [reader]);
      const token = await clientToken(sut, holder, 'invoices:read');
      const narrow = await clientToken(sut, holder, 'other');
      const losing = await clientToken(sut, loser);
      const revoked = await clientToken(sut, revokee);
      const checker = await sut.adminToken();

      const askAll = async () => ({
        good: await check(sut, token, 'invoices', 'read'),
        goodGateway: await gateway(sut, { token, method: 'GET', uri: '/invoices/1' }),
        narrow: await check(sut, narrow, 'invoices', 'read'),
        none: await gateway(sut, { method: 'GET', uri: '/invoices/1' }),
        elsewhere: await gateway(sut, { token, method: 'GET', uri: '/elsewhere' }),
        losing: await check(sut, losing, 'invoices', 'read'),
        revoked: await gateway(sut, { token: revoked, method: 'GET', uri: '/invoices/1' }),
      });
      type Answers = Awaited<ReturnType<typeof askAll>>;
      const shouldDeny = (answers: Answers, also: Array<keyof Answers> = []) => {
        for (const name of ['narrow', 'none', 'elsewhere', ...also] as Array<keyof Answers>) {
          expect({ name, allowed: allowed(answers[name]) }).toEqual({ name, allowed: false });
        }
      };

      // Before the cut: all known, all decided.
      const before = await askAll();
      expect(allowed(before.good) && allowed(before.goodGateway)).toBe(true);
      expect(allowed(before.losing) && allowed(before.revoked)).toBe(true);
      shouldDeny(before);

      proxy.cut();
      // Until the process notices, it answers from state that is still right (nothing can
      // change the database meanwhile); once it notices, it answers 503. Never an undue allow.
      expect(
        await within(3000, async () => {
          const answers = await askAll();
          shouldDeny(answers);
          return answers.good.statusCode === 503 && answers.goodGateway.statusCode === 503;
        }),
      ).toBe(true);

      // While the state is unknown, changes happen through the other process.
      const removed = await other.admin('PUT', `/admin/clients/${loser.client_id}/roles`, {
        roles: [],
      });
      expect(removed.statusCode).toBe(200);
      const revocation = await other.postForm(
        '/revoke',
        { token: revoked },
        { authorization: basicAuth(revokee.client_id, revokee.client_secret) },
      );
      expect(revocation.statusCode).toBe(200);
      const newcomer: Credentials = await createService(other, 'invoices:read', [reader]);
      const newToken = await clientToken(other, newcomer);

      // Across several reconnection attempts: 503 on every surface, never a guess.
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        const answers = await askAll();
        for (const response of Object.values(answers)) expectUnavailable(response);
        const authzen = await sut.request({
          method: 'POST',
          url: '/access/v1/evaluation',
          headers: { authorization: `Bearer ${checker}`, 'content-type': 'application/json' },
          payload: {
            subject: { type: 'client', id: holder.client_id },
            action: { name: 'read' },
            resource: { type: 'invoices', id: 'inv-1' },
          },
        });
        expect(authzen.statusCode).toBe(503);
        const search = await sut.request({
          method: 'POST',
          url: '/access/v1/search/subject',
          headers: { authorization: `Bearer ${checker}`, 'content-type': 'application/json' },
          payload: {
            subject: { type: 'client' },
            action: { name: 'read' },
            resource: { type: 'invoices', id: 'inv-1' },
          },
        });
        expect(search.statusCode).toBe(503);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      proxy.restore();
      // Service resumes without a restart, and what changed meanwhile is in force at once.
      expect(
        await within(5000, async () => {
          const answers = await askAll();
          shouldDeny(answers, ['losing', 'revoked']);
          return allowed(answers.good);
        }),
      ).toBe(true);
      const after = await askAll();
      expect(allowed(after.goodGateway)).toBe(true);
      shouldDeny(after, ['losing', 'revoked']);
      expect(after.losing.json()).toMatchObject({ allowed: false, reason: 'permission_denied' });
      expect(after.revoked.json()).toMatchObject({ allowed: false, reason: 'token_revoked' });
      expect(after.narrow.json()).toMatchObject({ allowed: false, reason: 'insufficient_scope' });
      expect(
        allowed(await gateway(sut, { token: newToken, method: 'GET', uri: '/invoices/1' })),
      ).toBe(true);

      // Change notifications flow again: a change through the other process arrives in a second.
      await other.admin('PUT', `/admin/clients/${holder.client_id}/roles`, { roles: [] });
      expect(
        await within(1000, async () => {
          const response = await check(sut, token, 'invoices', 'read');
          return response.json<{ reason?: string }>().reason === 'permission_denied';
        }),
      ).toBe(true);
      expect((await sut.request({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    });
  });
});
