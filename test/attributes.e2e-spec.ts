import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { startTestApp, TestApp } from './support/test-app';

const PASSWORD = 'correct horse battery';

function invalid(field: string, problem: string) {
  return {
    error: 'invalid_request',
    message: `${field}: ${problem}`,
    details: [{ field, problem }],
  };
}

/** Nested `levels` objects deep: `{a: {a: ... 1}}`. */
function nested(levels: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as Record<string, unknown>;
}

const BAD: Array<[string, unknown, string, string]> = [
  ['an array', ['acme'], 'attributes', 'must be an object'],
  ['a string', 'acme', 'attributes', 'must be an object'],
  [
    'a key that is not an identifier',
    { 'tenant-id': 'acme' },
    'attributes.tenant-id',
    'the key must be a letter or _ then up to 63 letters, digits or _',
  ],
  [
    'a key with a NUL byte',
    { 'ten\u0000ant': 'acme' },
    'attributes',
    'has a member name that contains a NUL character',
  ],
  [
    'a 65-character key',
    { ['k'.repeat(65)]: 1 },
    `attributes.${'k'.repeat(65)}`,
    'the key must be a letter or _ then up to 63 letters, digits or _',
  ],
  [
    '65 keys',
    Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])),
    'attributes',
    'must have at most 64 keys',
  ],
  ['depth 5', nested(5), 'attributes', 'must nest at most 4 levels deep'],
  [
    'more than 4,096 bytes',
    { blob: 'x'.repeat(4090) },
    'attributes',
    'must be at most 4096 bytes as JSON',
  ],
];

describe('attributes of users and clients (docs/access.md, Attributes)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open' });
  });
  after(() => sut.close());

  const fieldsOf = async (targetId: string): Promise<unknown[]> => {
    const response = await sut.admin('GET', `/admin/audit-events?target_id=${targetId}`);
    expect(response.statusCode).toBe(200);
    return response
      .json<Array<{ type: string; details: { fields?: string[] } | null }>>()
      .filter((item) => item.type.endsWith('.updated'))
      .map((item) => item.details?.fields);
  };

  describe('users', () => {
    it('default to {}, are set at creation, replaced whole by PATCH, audited by name', async () => {
      const plain = await sut.admin('POST', '/admin/users', {
        username: 'attr-plain',
        password: PASSWORD,
      });
      expect(plain.statusCode).toBe(201);
      expect(plain.json().attributes).toEqual({});

      const attributes = { tenant: 'acme', department: 'sales', levels: [1, { x: null }] };
      const created = await sut.admin('POST', '/admin/users', {
        username: 'attr-alice',
        password: PASSWORD,
        attributes,
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().id;
      expect(created.json().attributes).toEqual(attributes);
      expect((await sut.admin('GET', `/admin/users/${id}`)).json().attributes).toEqual(attributes);

      const patched = await sut.admin('PATCH', `/admin/users/${id}`, {
        attributes: { tenant: 'globex', at_limit: nested(3) },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json().attributes).toEqual({ tenant: 'globex', at_limit: nested(3) });
      const untouched = await sut.admin('PATCH', `/admin/users/${id}`, { name: 'Alice' });
      expect(untouched.json().attributes).toEqual({ tenant: 'globex', at_limit: nested(3) });
      // The same object with its keys in another order changes nothing (jsonb keeps its own order).
      const reordered = await sut.admin('PATCH', `/admin/users/${id}`, {
        attributes: { at_limit: nested(3), tenant: 'globex' },
      });
      expect(reordered.statusCode).toBe(200);
      expect(await fieldsOf(id)).toEqual([['name'], ['attributes']]);
    });

    for (const [what, value, field, problem] of BAD) {
      it(`answers 400 naming ${field} for ${what}, on create and on update`, async () => {
        const created = await sut.admin('POST', '/admin/users', {
          username: 'attr-bad',
          password: PASSWORD,
          attributes: value,
        });
        expect(created.statusCode).toBe(400);
        expect(created.json()).toEqual(invalid(field, problem));
        const user = await sut.admin('POST', '/admin/users', {
          username: `attr-${BAD.findIndex((bad) => bad[0] === what)}`,
          password: PASSWORD,
        });
        const updated = await sut.admin('PATCH', `/admin/users/${user.json().id}`, {
          attributes: value,
        });
        expect(updated.statusCode).toBe(400);
        expect(updated.json()).toEqual(invalid(field, problem));
      });
    }
  });

  describe('clients', () => {
    const SERVICE = { client_name: 'Attr worker', client_type: 'm2m' };

    it('default to {}, are set at creation, kept by other changes, audited by name', async () => {
      const plain = await sut.admin('POST', '/admin/clients', SERVICE);
      expect(plain.statusCode).toBe(201);
      expect(plain.json().attributes).toEqual({});

      const created = await sut.admin('POST', '/admin/clients', {
        ...SERVICE,
        attributes: { tenant: 'acme' },
      });
      expect(created.statusCode).toBe(201);
      const clientId = created.json().client_id;
      expect(created.json().attributes).toEqual({ tenant: 'acme' });
      const renamed = await sut.admin('PATCH', `/admin/clients/${clientId}`, {
        client_name: 'Renamed',
      });
      expect(renamed.json().attributes).toEqual({ tenant: 'acme' });
      const patched = await sut.admin('PATCH', `/admin/clients/${clientId}`, {
        attributes: { tenant: 'globex', partner: true },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json().attributes).toEqual({ tenant: 'globex', partner: true });
      const read = await sut.admin('GET', `/admin/clients/${clientId}`);
      expect(read.json().attributes).toEqual({ tenant: 'globex', partner: true });
      const reordered = await sut.admin('PATCH', `/admin/clients/${clientId}`, {
        attributes: { partner: true, tenant: 'globex' },
      });
      expect(reordered.statusCode).toBe(200);
      expect(await fieldsOf(clientId)).toEqual([['attributes'], ['client_name']]);
    });

    for (const [what, value, field, problem] of BAD) {
      it(`answers 400 naming ${field} for ${what}`, async () => {
        const response = await sut.admin('POST', '/admin/clients', {
          ...SERVICE,
          attributes: value,
        });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(invalid(field, problem));
      });
    }

    it('RFC 7591 registration ignores attributes (§2: unknown metadata is ignored)', async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/register',
        headers: { 'content-type': 'application/json' },
        payload: {
          client_name: 'Self-registered',
          redirect_uris: ['https://rp.example.com/cb'],
          attributes: { tenant: 'acme' },
        },
      });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).not.toHaveProperty('attributes');
      const read = await sut.admin('GET', `/admin/clients/${body.client_id}`);
      expect(read.json().attributes).toEqual({});
    });
  });
});
