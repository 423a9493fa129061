import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { accessTokenClaims, signWithServerKey, UUID } from './support/access';
import { startTestApp, TestApp } from './support/test-app';

/**
 * `POST /admin/access/explain` shows every rule, permission and condition considered, for a
 * token or for a subject named instead (docs/access.md, "Explain a decision").
 */
describe('POST /admin/access/explain: every rule, permission and condition considered', () => {
  let sut: TestApp;
  let clientId: string;
  let erinId: string;
  const rules: Record<string, Record<string, unknown>> = {};
  const owned = 'request.params.id == subject.id';

  const explain = async (body: Record<string, unknown>) => {
    const response = await sut.admin('POST', '/admin/access/explain', body);
    expect(response.statusCode).toBe(200);
    return response.json();
  };

  before(async () => {
    sut = await startTestApp();
    const role = async (body: Record<string, unknown>) =>
      expect((await sut.admin('POST', '/admin/roles', body)).statusCode).toBe(201);
    await role({
      name: 'cond-editor',
      permissions: ['docs:write'],
      conditions: { 'docs:write': 'false' },
    });
    await role({
      name: 'mfa-editor',
      permissions: ['docs:write'],
      conditions: { 'docs:write': 'token.claims.acr == "mfa"' },
    });
    await role({ name: 'plain-editor', permissions: ['docs:write', 'docs:read'] });
    clientId = (
      await sut.admin('POST', '/admin/clients', {
        client_name: 'docs-app',
        client_type: 'm2m',
        scope: 'docs:write',
      })
    ).json().client_id;
    const erin = await sut.admin('POST', '/admin/users', {
      username: 'erin',
      email: 'erin@example.com',
      password: 'correct horse battery',
    });
    expect(erin.statusCode).toBe(201);
    erinId = erin.json().id;
    const held = await sut.admin('PUT', `/admin/users/${erinId}/roles`, {
      roles: ['cond-editor', 'mfa-editor', 'plain-editor'],
    });
    expect(held.statusCode).toBe(200);
    const rule = async (name: string, body: Record<string, unknown>) => {
      const created = await sut.admin('POST', '/admin/access-rules', body);
      expect(created.statusCode).toBe(201);
      // The admin API's view of the rule, less created_at, which the engine does not keep.
      const shown = created.json();
      delete shown.created_at;
      rules[name] = shown;
    };
    await rule('own', {
      methods: ['PUT'],
      path: '/docs/{id}',
      permission: 'docs:write',
      condition: owned,
    });
    await rule('docs', { path: '/docs/**', permission: 'docs:read' });
    await rule('all', { path: '/**' });
    await rule('health', { path: '/docs/health', anonymous: true });
  });
  after(() => sut.close());

  /** docs:write through three roles: one false, one reading the token, one unconditioned. */
  const roles = (mfa: { held: boolean; problem: string | null }) => [
    {
      role: 'cond-editor',
      grants: false,
      condition: { source: 'false', held: false, problem: 'false' },
    },
    {
      role: 'mfa-editor',
      grants: mfa.held,
      condition: { source: 'token.claims.acr == "mfa"', ...mfa },
    },
    { role: 'plain-editor', grants: true, condition: null },
  ];
  const erinDescribed = () => ({
    type: 'user',
    id: erinId,
    known: true,
    active: true,
    tokens_valid_after: null,
    roles: ['cond-editor', 'mfa-editor', 'plain-editor'],
    permissions: ['docs:read', 'docs:write'],
    attributes: {},
  });

  it('lists every matching rule, most specific first, and every role granting the permission with its condition', async () => {
    const token = await signWithServerKey(
      sut,
      accessTokenClaims(sut, clientId, { sub: erinId, scope: 'docs:write', acr: 'mfa' }),
    );
    const body = await explain({ token, method: 'PUT', path: `/docs/${erinId}` });
    expect(body).toEqual({
      allowed: true,
      reason: 'allowed',
      decision_id: expect.stringMatching(UUID),
      rule: rules.own,
      rules: [
        { ...rules.own, decided: true },
        { ...rules.docs, decided: false },
        { ...rules.all, decided: false },
      ],
      permission: {
        name: 'docs:write',
        in_scope: true,
        held: true,
        roles: roles({ held: true, problem: null }),
      },
      token: expect.objectContaining({ sub: erinId, client_id: clientId, scope: 'docs:write' }),
      client: expect.objectContaining({ type: 'client', id: clientId, known: true }),
      subject: erinDescribed(),
      binding: null,
      condition: { source: owned, held: true, problem: null },
    });
  });

  it("shows the rule's condition failing, and a role's condition reading a claim the token lacks", async () => {
    const token = await signWithServerKey(
      sut,
      accessTokenClaims(sut, clientId, { sub: erinId, scope: 'docs:write' }),
    );
    const body = await explain({ token, method: 'PUT', path: '/docs/someone-else' });
    expect({
      reason: body.reason,
      rules: body.rules.map((rule: { id: string; decided: boolean }) => [rule.id, rule.decided]),
      permission: body.permission,
      condition: body.condition,
    }).toEqual({
      reason: 'condition_failed',
      rules: [
        [rules.own.id, true],
        [rules.docs.id, false],
        [rules.all.id, false],
      ],
      permission: {
        name: 'docs:write',
        in_scope: true,
        held: true,
        roles: roles({ held: false, problem: 'No such key: acr' }),
      },
      condition: { source: owned, held: false, problem: 'false' },
    });
  });

  it('explains a subject named by username at a gateway path: token_missing, with what holds for the subject', async () => {
    const body = await explain({
      subject: { type: 'user', id: 'erin' },
      method: 'PUT',
      path: `/docs/${erinId}`,
    });
    expect(body).toEqual({
      allowed: false,
      reason: 'token_missing',
      decision_id: expect.stringMatching(UUID),
      rule: rules.own,
      rules: [
        { ...rules.own, decided: true },
        { ...rules.docs, decided: false },
        { ...rules.all, decided: false },
      ],
      permission: {
        name: 'docs:write',
        in_scope: null,
        held: true,
        roles: roles({ held: false, problem: 'Unknown variable: token' }),
      },
      token: null,
      client: null,
      subject: erinDescribed(),
      binding: null,
      condition: { source: owned, held: true, problem: null },
    });
  });

  it('explains a subject named by email for a permission: the AuthZEN decision, no rules', async () => {
    const body = await explain({
      subject: { type: 'user', id: 'ERIN@example.com' },
      resource: 'docs',
      action: 'write',
    });
    expect(body).toEqual({
      allowed: true,
      reason: 'allowed',
      decision_id: expect.stringMatching(UUID),
      rule: null,
      rules: [],
      permission: {
        name: 'docs:write',
        in_scope: null,
        held: true,
        roles: roles({ held: false, problem: 'Unknown variable: token' }),
      },
      token: null,
      client: null,
      subject: erinDescribed(),
      binding: null,
      condition: null,
    });
  });

  it('explains an anonymous rule for a subject as the gateway answers it', async () => {
    const body = await explain({
      subject: { type: 'user', id: erinId },
      method: 'GET',
      path: '/docs/health',
    });
    expect(body).toEqual({
      allowed: true,
      reason: 'anonymous',
      decision_id: expect.stringMatching(UUID),
      rule: rules.health,
      rules: [
        { ...rules.health, decided: true },
        { ...rules.docs, decided: false },
        { ...rules.all, decided: false },
      ],
      permission: null,
      token: null,
      client: null,
      subject: erinDescribed(),
      binding: null,
      condition: null,
    });
  });

  it('explains a client subject by client_id: it holds no role', async () => {
    const body = await explain({
      subject: { type: 'client', id: clientId },
      resource: 'docs',
      action: 'write',
    });
    expect(body).toEqual({
      allowed: false,
      reason: 'permission_denied',
      decision_id: expect.stringMatching(UUID),
      rule: null,
      rules: [],
      permission: { name: 'docs:write', in_scope: null, held: false, roles: [] },
      token: null,
      client: null,
      subject: {
        type: 'client',
        id: clientId,
        known: true,
        active: true,
        tokens_valid_after: null,
        roles: [],
        permissions: [],
        attributes: {},
      },
      binding: null,
      condition: null,
    });
  });

  it('explains an unknown subject: subject_inactive, nothing held, the rules still shown', async () => {
    const body = await explain({
      subject: { type: 'user', id: 'nobody@example.com' },
      method: 'PUT',
      path: '/docs/42',
    });
    expect(body).toEqual({
      allowed: false,
      reason: 'token_missing',
      decision_id: expect.stringMatching(UUID),
      rule: rules.own,
      rules: [
        { ...rules.own, decided: true },
        { ...rules.docs, decided: false },
        { ...rules.all, decided: false },
      ],
      permission: { name: 'docs:write', in_scope: null, held: null, roles: [] },
      token: null,
      client: null,
      subject: { type: 'user', id: 'nobody@example.com', known: false },
      binding: null,
      condition: { source: owned, held: null, problem: null },
    });
    const permission = await explain({
      subject: { type: 'user', id: 'nobody@example.com' },
      resource: 'docs',
      action: 'write',
    });
    expect([permission.allowed, permission.reason, permission.subject]).toEqual([
      false,
      'subject_inactive',
      { type: 'user', id: 'nobody@example.com', known: false },
    ]);
  });

  it('explains a name two users share: ambiguous, permission_denied as in AuthZEN, never a guess', async () => {
    for (const username of ['twin-a', 'twin-b']) {
      const created = await sut.admin('POST', '/admin/users', {
        username,
        email: 'twins@example.com',
        password: 'correct horse battery',
      });
      expect(created.statusCode).toBe(201);
    }
    const body = await explain({
      subject: { type: 'user', id: 'twins@example.com' },
      resource: 'docs',
      action: 'read',
    });
    expect(body).toEqual({
      allowed: false,
      reason: 'permission_denied',
      decision_id: expect.stringMatching(UUID),
      rule: null,
      rules: [],
      permission: { name: 'docs:read', in_scope: null, held: null, roles: [] },
      token: null,
      client: null,
      subject: { type: 'user', id: 'twins@example.com', known: false, ambiguous: true },
      binding: null,
      condition: null,
    });
  });

  it('refuses a subject with a __proto__ member before reading it', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/admin/access/explain',
      headers: {
        authorization: `Bearer ${await sut.adminToken()}`,
        'content-type': 'application/json',
      },
      payload:
        '{"subject":{"type":"user","id":"erin","__proto__":{"type":"client"}},' +
        '"resource":"docs","action":"write"}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'invalid_request',
      message: 'the body is not valid JSON',
    });
  });

  it('is documented in the OpenAPI description: the subject, the rules and the permission', async () => {
    const response = await sut.request({ method: 'GET', url: '/docs-json' });
    expect(response.statusCode).toBe(200);
    const schemas = response.json().components.schemas;
    expect(Object.keys(schemas.ExplainSubject.properties)).toEqual(['type', 'id']);
    expect(schemas.ExplainRequest.properties.subject.allOf).toEqual([
      { $ref: '#/components/schemas/ExplainSubject' },
    ]);
    expect(schemas.Explanation.properties.rules.items).toEqual({
      $ref: '#/components/schemas/ConsideredRuleView',
    });
    expect(Object.keys(schemas.PermissionView.properties)).toEqual([
      'name',
      'in_scope',
      'held',
      'roles',
    ]);
    expect(Object.keys(schemas.RoleGrantView.properties)).toEqual(['role', 'grants', 'condition']);
  });

  describe('refuses a body that names no one, or names a subject badly, with 400 naming the field', () => {
    const cases: Array<
      [string, Record<string, unknown>, Array<{ field: string; problem: string }>]
    > = [
      [
        'both token and subject',
        { token: 'x', subject: { type: 'user', id: 'erin' }, resource: 'docs', action: 'write' },
        [{ field: 'subject', problem: 'must not be sent with token: explain one or the other' }],
      ],
      [
        'neither token nor subject',
        { method: 'GET', path: '/docs/1' },
        [{ field: 'token', problem: 'token or subject is required' }],
      ],
      [
        'a subject type Gatehouse does not know',
        { subject: { type: 'group', id: 'admins' }, resource: 'docs', action: 'write' },
        [{ field: 'subject.type', problem: 'must be one of the following values: user, client' }],
      ],
      [
        'an empty subject id',
        { subject: { type: 'user', id: '' }, resource: 'docs', action: 'write' },
        [{ field: 'subject.id', problem: 'must be longer than or equal to 1 characters' }],
      ],
      [
        'a subject id that is not a string',
        { subject: { type: 'user', id: 42 }, resource: 'docs', action: 'write' },
        [
          { field: 'subject.id', problem: 'must be shorter than or equal to 254 characters' },
          { field: 'subject.id', problem: 'must be longer than or equal to 1 characters' },
          { field: 'subject.id', problem: 'must be a string' },
        ],
      ],
      [
        'a subject without id',
        { subject: { type: 'user' }, resource: 'docs', action: 'write' },
        [
          { field: 'subject.id', problem: 'must be shorter than or equal to 254 characters' },
          { field: 'subject.id', problem: 'must be longer than or equal to 1 characters' },
          { field: 'subject.id', problem: 'must be a string' },
        ],
      ],
      [
        'a subject that is a string',
        { subject: 'erin', resource: 'docs', action: 'write' },
        [
          { field: 'subject', problem: 'must be an object' },
          { field: 'subject', problem: 'nested property subject must be either object or array' },
        ],
      ],
      [
        'a subject that is an array',
        { subject: [{ type: 'user', id: 'erin' }], resource: 'docs', action: 'write' },
        [{ field: 'subject', problem: 'must be an object' }],
      ],
      [
        'a subject with an unknown member',
        { subject: { type: 'user', id: 'erin', __proto__x: 1 }, resource: 'docs', action: 'write' },
        [{ field: 'subject.__proto__x', problem: 'should not exist' }],
      ],
      [
        'a subject id with a NUL byte',
        { subject: { type: 'user', id: 'er\u0000in' }, resource: 'docs', action: 'write' },
        [{ field: 'subject.id', problem: 'contains a NUL character' }],
      ],
      [
        'a subject with a DPoP proof',
        {
          subject: { type: 'user', id: 'erin' },
          method: 'GET',
          path: '/docs/1',
          dpop: 'x',
          scheme: 'DPoP',
        },
        [
          { field: 'scheme', problem: 'is only for a token' },
          { field: 'dpop', problem: 'is only for a token' },
        ],
      ],
    ];
    for (const [name, body, details] of cases) {
      it(name, async () => {
        const response = await sut.admin('POST', '/admin/access/explain', body);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: 'invalid_request',
          message: expect.any(String),
          details,
        });
      });
    }
  });
});
