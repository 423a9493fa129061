import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { dataSource } from './support/code-flow';
import { startTestApp, TestApp } from './support/test-app';
import { auditOf } from './support/upstream';

const ISSUER = 'https://gatehouse.example.com';
const SECRET = 'upstream-client-secret-value-0123456789';

/** The admin API of upstream identity providers (docs/identity-providers.md). */
describe('admin API: identity providers', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ ISSUER });
  });
  after(() => sut.close());

  const create = (body: Record<string, unknown>) =>
    sut.admin('POST', '/admin/identity-providers', {
      name: 'Corporate SSO',
      issuer: 'https://sso.example.com',
      client_id: 'gatehouse',
      client_secret: SECRET,
      ...body,
    });
  const view = (alias: string, more: Record<string, unknown> = {}) => ({
    alias,
    name: 'Corporate SSO',
    issuer: 'https://sso.example.com',
    client_id: 'gatehouse',
    scope: 'openid email profile',
    status: 'active',
    redirect_uri: `${ISSUER}/login/upstream/${alias}/callback`,
    created_at: expect.any(String),
    updated_at: expect.any(String),
    ...more,
  });

  it('creates a provider: 201, the default scope, the redirect URI to register, never the secret', async () => {
    const created = await create({ alias: 'corp' });
    expect({ status: created.statusCode, body: created.json() }).toEqual({
      status: 201,
      body: view('corp'),
    });
    expect(created.body).not.toContain(SECRET);
    // Stored encrypted (AES-256-GCM under KEY_ENCRYPTION_KEY), not as the secret itself.
    const [row] = await dataSource(sut).query<Array<{ client_secret_sealed: string }>>(
      `SELECT client_secret_sealed FROM identity_providers WHERE alias = 'corp'`,
    );
    expect(row.client_secret_sealed).not.toContain(SECRET);
    expect(Buffer.from(row.client_secret_sealed, 'base64url').toString()).not.toContain(SECRET);
    const [event] = await auditOf(sut, 'identity_provider.created');
    expect(event).toMatchObject({
      actor: { type: 'client', id: 'test-admin-client' },
      target: { type: 'identity_provider', id: 'corp' },
      details: { issuer: 'https://sso.example.com', status: 'active' },
    });
    expect(JSON.stringify(event)).not.toContain(SECRET);
  });

  it('a taken alias: 409', async () => {
    await create({ alias: 'twice' });
    const again = await create({ alias: 'twice' });
    expect({ status: again.statusCode, body: again.json() }).toEqual({
      status: 409,
      body: { error: 'conflict', message: 'the identity provider twice exists' },
    });
  });

  it('refuses bad fields with the admin error shape, naming each', async () => {
    const bad = await create({
      alias: 'Not/Safe',
      issuer: 'http://sso.example.com',
      scope: 'email profile',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: 'invalid_request',
      message: expect.any(String),
      details: [
        { field: 'alias', problem: 'must be 1 to 64 lower-case letters, digits or inner hyphens' },
      ],
    });
    const policy = await create({
      alias: 'policy',
      issuer: 'http://sso.example.com',
      scope: 'email',
    });
    expect(policy.json()).toEqual({
      error: 'invalid_request',
      message:
        'issuer: must be https (http only on a loopback host, or while this server runs on http) (and 1 more)',
      details: [
        {
          field: 'issuer',
          problem:
            'must be https (http only on a loopback host, or while this server runs on http)',
        },
        { field: 'scope', problem: 'must include openid (OpenID Connect Core §3.1.2.1)' },
      ],
    });
    const unknown = await create({ alias: 'extra', client_secret_hash: 'x' });
    expect(unknown.statusCode).toBe(400);
    const control = await create({ alias: 'ctl', name: 'Evil\r\nName' });
    expect(control.json().details).toEqual([
      { field: 'name', problem: 'must not contain control characters' },
    ]);
  });

  it('lists with paging and X-Total-Count, and reads one', async () => {
    await create({ alias: 'listed' });
    const page = await sut.admin('GET', '/admin/identity-providers?limit=1&offset=0');
    expect(page.statusCode).toBe(200);
    expect(Number(page.headers['x-total-count'])).toBeGreaterThanOrEqual(3);
    expect(page.json()).toHaveLength(1);
    const one = await sut.admin('GET', '/admin/identity-providers/listed');
    expect(one.json()).toEqual(view('listed'));
    expect((await sut.admin('GET', '/admin/identity-providers/missing')).statusCode).toBe(404);
    expect((await sut.admin('GET', '/admin/identity-providers/NOT_VALID')).statusCode).toBe(404);
  });

  it('changes settings and status, audited by field name only', async () => {
    await create({ alias: 'changing' });
    const patched = await sut.admin('PATCH', '/admin/identity-providers/changing', {
      name: 'Renamed',
      client_secret: 'a-new-secret-value',
      status: 'disabled',
    });
    expect(patched.json()).toEqual(view('changing', { name: 'Renamed', status: 'disabled' }));
    const [disabled] = await auditOf(sut, 'identity_provider.disabled');
    expect(disabled.target).toEqual({ type: 'identity_provider', id: 'changing' });
    const [updated] = await auditOf(sut, 'identity_provider.updated');
    expect(updated.details).toEqual({ fields: ['name', 'client_secret'] });
    const alias = await sut.admin('PATCH', '/admin/identity-providers/changing', { alias: 'x' });
    expect(alias.statusCode).toBe(400);
    const scope = await sut.admin('PATCH', '/admin/identity-providers/changing', {
      scope: 'email',
    });
    expect(scope.statusCode).toBe(400);
  });

  it('deletes: 204, then 404; audited', async () => {
    await create({ alias: 'gone' });
    expect((await sut.admin('DELETE', '/admin/identity-providers/gone')).statusCode).toBe(204);
    expect((await sut.admin('GET', '/admin/identity-providers/gone')).statusCode).toBe(404);
    expect((await sut.admin('DELETE', '/admin/identity-providers/gone')).statusCode).toBe(404);
    const [deleted] = await auditOf(sut, 'identity_provider.deleted');
    expect(deleted.target).toEqual({ type: 'identity_provider', id: 'gone' });
  });

  it('needs an iam:admin token', async () => {
    const anonymous = await sut.request({ method: 'GET', url: '/admin/identity-providers' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
    expect(Object.keys(doc.paths['/admin/identity-providers'])).toEqual(['post', 'get']);
    expect(Object.keys(doc.paths['/admin/identity-providers/{alias}'])).toEqual([
      'get',
      'patch',
      'delete',
    ]);
    expect(doc.components.schemas.IdentityProviderView.properties).not.toHaveProperty(
      'client_secret',
    );
  });
});
