import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { ChangeBus } from '../src/events/change-bus.service';
import {
  createClient,
  createUser,
  dataSource,
  INVALID_GRANT,
  refresh,
  signInForTokens,
  userinfo,
} from './support/code-flow';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

/**
 * Waits past the current second: JWT `iat` has one-second resolution. Real time, not a
 * TestClock: cut-offs come from the app's clock, but codes and refresh tokens are stamped by
 * the database's (docs/decisions/0102-password-change-sets-the-cutoff.md), which it cannot move.
 */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));

describe('revocation that reaches everywhere', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  const clientToken = async (clientId: string, secret: string) => {
    const response = await sut.postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret) },
    );
    return { status: response.statusCode, token: response.json().access_token as string };
  };
  const adminCall = (token: string) =>
    sut
      .request({
        method: 'GET',
        url: '/admin/clients?limit=1',
        headers: { authorization: `Bearer ${token}` },
      })
      .then((response) => response.statusCode);

  describe('a disabled client', () => {
    it('loses its tokens at once, and they stay dead after it is enabled again', async () => {
      const operator = (
        await sut.admin('POST', '/admin/clients', {
          client_name: 'operator',
          client_type: 'm2m',
          scope: 'iam:admin',
        })
      ).json();
      const { token: before } = await clientToken(operator.client_id, operator.client_secret);
      expect(await adminCall(before)).toBe(200);

      await sut.admin('PATCH', `/admin/clients/${operator.client_id}`, { status: 'disabled' });
      expect(await adminCall(before)).toBe(401);
      expect((await clientToken(operator.client_id, operator.client_secret)).status).toBe(401);

      await nextSecond();
      await sut.admin('PATCH', `/admin/clients/${operator.client_id}`, { status: 'active' });
      expect(await adminCall(before)).toBe(401);
      const { status, token: fresh } = await clientToken(
        operator.client_id,
        operator.client_secret,
      );
      expect(status).toBe(200);
      expect(await adminCall(fresh)).toBe(200);
    });

    it("ends its users' access and refresh tokens, also after it is enabled again", async () => {
      const client = await createClient(sut);
      const user = await createUser(sut);
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid offline_access' });

      await sut.admin('PATCH', `/admin/clients/${client.client_id}`, { status: 'disabled' });
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(401);

      await sut.admin('PATCH', `/admin/clients/${client.client_id}`, { status: 'active' });
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(401);
      const refreshed = await refresh(sut, client, tokens.refresh_token!);
      expect(refreshed.statusCode).toBe(400);
      expect(refreshed.json()).toEqual(INVALID_GRANT);
    });
  });

  describe('a deleted client', () => {
    it('loses its tokens at once', async () => {
      const operator = (
        await sut.admin('POST', '/admin/clients', {
          client_name: 'doomed',
          client_type: 'm2m',
          scope: 'iam:admin',
        })
      ).json();
      const { token } = await clientToken(operator.client_id, operator.client_secret);
      expect(await adminCall(token)).toBe(200);
      expect((await sut.admin('DELETE', `/admin/clients/${operator.client_id}`)).statusCode).toBe(
        204,
      );
      expect(await adminCall(token)).toBe(401);
    });
  });

  describe('a disabled user', () => {
    it('loses access and refresh tokens, which stay dead after the user is enabled again', async () => {
      const client = await createClient(sut);
      const user = await createUser(sut);
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid offline_access' });
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(200);

      await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(401);

      await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'active' });
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(401);
      const refreshed = await refresh(sut, client, tokens.refresh_token!);
      expect(refreshed.statusCode).toBe(400);
      expect(refreshed.json()).toEqual(INVALID_GRANT);

      await nextSecond();
      const again = await signInForTokens(sut, client, user, { scope: 'openid offline_access' });
      expect((await userinfo(sut, again.access_token)).statusCode).toBe(200);
    });
  });

  describe('a deleted user', () => {
    it('loses access and refresh tokens', async () => {
      const client = await createClient(sut);
      const user = await createUser(sut);
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid offline_access' });
      expect((await sut.admin('DELETE', `/admin/users/${user.id}`)).statusCode).toBe(204);
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(401);
      const refreshed = await refresh(sut, client, tokens.refresh_token!);
      expect(refreshed.statusCode).toBe(400);
      expect(refreshed.json()).toEqual(INVALID_GRANT);
    });
  });

  describe('secret rotation', () => {
    const m2m = async () =>
      (
        await sut.admin('POST', '/admin/clients', { client_name: 'rotating', client_type: 'm2m' })
      ).json<{ client_id: string; client_secret: string }>();

    it('without a grace period the old secret stops working at once', async () => {
      const client = await m2m();
      const rotated = await sut.admin('POST', `/admin/clients/${client.client_id}/secret`);
      expect(rotated.statusCode).toBe(200);
      expect((await clientToken(client.client_id, client.client_secret)).status).toBe(401);
      expect((await clientToken(client.client_id, rotated.json().client_secret)).status).toBe(200);
    });

    it('with a grace period both secrets work until it ends, then only the new one', async () => {
      const client = await m2m();
      const rotated = await sut.admin('POST', `/admin/clients/${client.client_id}/secret`, {
        grace_period: 3600,
      });
      expect(rotated.statusCode).toBe(200);
      const fresh = rotated.json().client_secret as string;
      expect((await clientToken(client.client_id, client.client_secret)).status).toBe(200);
      expect((await clientToken(client.client_id, fresh)).status).toBe(200);

      await dataSource(sut).query(
        `UPDATE clients SET previous_secret_expires_at = now() - interval '1 second' WHERE client_id = $1`,
        [client.client_id],
      );
      sut.app.get(ChangeBus).publish({ type: 'client.changed', clientId: client.client_id });
      expect((await clientToken(client.client_id, client.client_secret)).status).toBe(401);
      expect((await clientToken(client.client_id, fresh)).status).toBe(200);
    });

    it('a second rotation ends the first grace: only the newest secret and its predecessor work', async () => {
      const client = await m2m();
      const first = (
        await sut.admin('POST', `/admin/clients/${client.client_id}/secret`, { grace_period: 3600 })
      ).json().client_secret as string;
      const second = (
        await sut.admin('POST', `/admin/clients/${client.client_id}/secret`, { grace_period: 3600 })
      ).json().client_secret as string;
      expect((await clientToken(client.client_id, client.client_secret)).status).toBe(401);
      expect((await clientToken(client.client_id, first)).status).toBe(200);
      expect((await clientToken(client.client_id, second)).status).toBe(200);
    });

    it('refuses a grace period beyond seven days or not an integer', async () => {
      const client = await m2m();
      for (const grace_period of [604801, -1, 1.5, '60']) {
        const response = await sut.admin('POST', `/admin/clients/${client.client_id}/secret`, {
          grace_period,
        });
        expect(response.statusCode).toBe(400);
        expect(response.json().details[0].field).toBe('grace_period');
      }
    });
  });
});
