import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { accessTokenClaims, signWithServerKey } from './support/access';
import { dpopKey, dpopProof } from './support/dpop';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

describe('POST /admin/access/explain', () => {
  let sut: TestApp;
  let clientId: string;
  let token: string;
  let ruleId: string;
  before(async () => {
    sut = await startTestApp();
    await sut.admin('POST', '/admin/roles', { name: 'reader', permissions: ['invoices:read'] });
    const client = (
      await sut.admin('POST', '/admin/clients', {
        client_name: 'svc',
        client_type: 'm2m',
        scope: 'invoices:read',
      })
    ).json();
    clientId = client.client_id;
    await sut.admin('PUT', `/admin/clients/${clientId}/roles`, { roles: ['reader'] });
    ruleId = (
      await sut.admin('POST', '/admin/access-rules', {
        methods: ['GET'],
        path: '/invoices/**',
        permission: 'invoices:read',
      })
    ).json().id;
    token = (
      await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client.client_id, client.client_secret) },
      )
    ).json().access_token;
  });
  after(() => sut.close());

  it('explains an allowed gateway request with the rule, the token and the client', async () => {
    const response = await sut.admin('POST', '/admin/access/explain', {
      token,
      method: 'GET',
      path: '/invoices/42',
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const invoicesRule = {
      id: ruleId,
      methods: ['GET'],
      path: '/invoices/**',
      permission: 'invoices:read',
      scopes: [],
      audience: null,
      anonymous: false,
      condition: null,
    };
    expect(body).toEqual({
      allowed: true,
      reason: 'allowed',
      decision_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      rule: invoicesRule,
      rules: [{ ...invoicesRule, decided: true }],
      permission: {
        name: 'invoices:read',
        in_scope: true,
        held: true,
        roles: [{ role: 'reader', grants: true, condition: null }],
      },
      token: expect.objectContaining({
        sub: clientId,
        client_id: clientId,
        scope: 'invoices:read',
      }),
      client: {
        type: 'client',
        id: clientId,
        known: true,
        active: true,
        tokens_valid_after: null,
        roles: ['reader'],
        permissions: ['invoices:read'],
        attributes: {},
      },
      subject: null,
      binding: null,
      condition: null,
    });
  });

  it("shows the client's and the user's attributes as changed through the admin API", async () => {
    const patched = await sut.admin('PATCH', `/admin/clients/${clientId}`, {
      attributes: { tenant: 'acme', tiers: ['gold'] },
    });
    expect(patched.statusCode).toBe(200);
    const user = await sut.admin('POST', '/admin/users', {
      username: 'explained',
      password: 'correct horse battery',
      attributes: { tenant: 'acme', department: 'sales' },
    });
    expect(user.statusCode).toBe(201);
    const userId = user.json().id;
    const userToken = await signWithServerKey(
      sut,
      accessTokenClaims(sut, clientId, { sub: userId }),
    );
    const explain = async () =>
      (
        await sut.admin('POST', '/admin/access/explain', {
          token: userToken,
          resource: 'invoices',
          action: 'read',
        })
      ).json();
    const body = await explain();
    expect(body.client.attributes).toEqual({ tenant: 'acme', tiers: ['gold'] });
    expect(body.subject).toEqual({
      type: 'user',
      id: userId,
      known: true,
      active: true,
      tokens_valid_after: null,
      roles: [],
      permissions: [],
      attributes: { tenant: 'acme', department: 'sales' },
    });
    await sut.admin('PATCH', `/admin/users/${userId}`, { attributes: {} });
    expect((await explain()).subject.attributes).toEqual({});
    await sut.admin('PATCH', `/admin/clients/${clientId}`, { attributes: {} });
  });

  it('shows the binding check of a DPoP-bound token, without spending the proof', async () => {
    const key = await dpopKey('ES256');
    const bound = await signWithServerKey(
      sut,
      accessTokenClaims(sut, clientId, { scope: 'invoices:read', cnf: { jkt: key.jkt } }),
    );
    const url = 'https://api.example.com/invoices/42';
    const proof = await dpopProof(key, { htm: 'GET', htu: url, accessToken: bound });
    const explain = (extra: Record<string, unknown>) =>
      sut
        .admin('POST', '/admin/access/explain', {
          token: bound,
          method: 'GET',
          path: '/invoices/42',
          ...extra,
        })
        .then((response) => {
          expect(response.statusCode).toBe(200);
          const { allowed, reason, binding } = response.json();
          return { allowed, reason, binding };
        });
    expect(await explain({})).toEqual({
      allowed: false,
      reason: 'binding_mismatch',
      binding: {
        cnf: { jkt: key.jkt },
        scheme: 'Bearer',
        held: false,
        problem: 'DPoP-bound, presented as Bearer',
      },
    });
    expect(await explain({ scheme: 'DPoP', dpop: proof })).toEqual({
      allowed: false,
      reason: 'binding_mismatch',
      binding: {
        cnf: { jkt: key.jkt },
        scheme: 'DPoP',
        held: false,
        problem: 'htu does not match',
      },
    });
    const held = {
      allowed: true,
      reason: 'allowed',
      binding: { cnf: { jkt: key.jkt }, scheme: 'DPoP', held: true, problem: null },
    };
    expect(await explain({ scheme: 'DPoP', dpop: proof, url })).toEqual(held);
    // Explaining did not spend the proof's jti.
    expect(await explain({ scheme: 'DPoP', dpop: proof, url })).toEqual(held);
  });

  it('explains a denial: the permission was taken away after the token was issued', async () => {
    await sut.admin('PUT', `/admin/clients/${clientId}/roles`, { roles: [] });
    const body = (
      await sut.admin('POST', '/admin/access/explain', {
        token,
        resource: 'invoices',
        action: 'read',
      })
    ).json();
    expect(body.allowed).toBe(false);
    expect(body.reason).toBe('permission_denied');
    expect(body.client.permissions).toEqual([]);
    expect(body.token.scope).toBe('invoices:read');
  });

  it('needs an admin token', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/admin/access/explain',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { token },
    });
    expect(response.statusCode).toBe(403);
  });
});
