import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  check,
  clientToken,
  createRole,
  createRule,
  createService,
  expectGatewayAllowed,
  expectCheck,
  expectGatewayDenied,
  gateway,
  holds,
  unique,
  UUID,
  within,
} from './support/access';
import { InjectResult, startTestApp, TestApp } from './support/test-app';

function expectRefused(response: InjectResult, problem: string): void {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 400,
    body: {
      error: 'invalid_request',
      message: `condition: ${problem}`,
      details: [{ field: 'condition', problem }],
    },
  });
}

describe('conditions on gateway rules (docs/access.md, "Conditions")', () => {
  let sut: TestApp;
  let owner: { token: string; clientId: string };
  const base = `/${unique('cond')}`;

  before(async () => {
    sut = await startTestApp();
    const role = await createRole(sut, ['invoices:read']);
    const client = await createService(sut, 'invoices:read', [role]);
    owner = { token: await clientToken(sut, client), clientId: client.client_id };
    await createRule(sut, {
      path: `${base}/invoices/{id}`,
      permission: 'invoices:read',
      condition: 'request.params.id == subject.id',
    });
    await createRule(sut, {
      path: `${base}/invoices/{id}/lines/{line}`,
      methods: ['GET'],
      permission: 'invoices:read',
      condition:
        'request.params.id == subject.id && request.params.line in ["1", "2"] && ' +
        'request.method == "GET" && context.time > timestamp("2020-01-01T00:00:00Z")',
    });
    await createRule(sut, {
      path: `${base}/tenants/{tenant}`,
      permission: 'invoices:read',
      condition: 'token.claims.tenant == request.params.tenant',
    });
    await createRule(sut, {
      path: `${base}/search`,
      permission: 'invoices:read',
      condition: 'request.query.owner == subject.id',
    });
    await createRule(sut, { path: `${base}/invoices/export`, permission: 'invoices:read' });
  });
  after(() => sut.close());

  const ask = (uri: string, method = 'GET') =>
    gateway(sut, { token: owner.token, method, uri: `${base}${uri}` });
  const allowed = (response: InjectResult) =>
    expectGatewayAllowed(response, {
      sub: owner.clientId,
      clientId: owner.clientId,
      scope: 'invoices:read',
    });

  it('allows the owner: {id} is the subject', async () => {
    allowed(await ask(`/invoices/${owner.clientId}`));
    allowed(await ask(`/invoices/${owner.clientId}/lines/2`));
    allowed(await ask(`/search?owner=${owner.clientId}&owner=someone-else`));
  });

  it('denies anyone else with condition_failed, 403', async () => {
    expectGatewayDenied(await ask('/invoices/someone-else'), 'condition_failed');
    expectGatewayDenied(await ask(`/invoices/${owner.clientId}/lines/3`), 'condition_failed');
    expectGatewayDenied(await ask('/search?owner=someone-else'), 'condition_failed');
  });

  it("reads the subject's admin-set attributes (docs/access.md, Attributes)", async () => {
    await createRule(sut, {
      path: `${base}/departments/{department}/**`,
      permission: 'invoices:read',
      condition: 'subject.attributes.department == request.params.department',
    });
    // No attributes yet: the key is missing, so the condition fails closed.
    expectGatewayDenied(await ask('/departments/audit/reports'), 'condition_failed');
    const patched = await sut.admin(
      'PATCH',
      `/admin/clients/${encodeURIComponent(owner.clientId)}`,
      { attributes: { department: 'audit' } },
    );
    expect(patched.statusCode).toBe(200);
    // The change reaches the decisions through the change bus (docs/access.md).
    expect(
      await within(1000, async () => (await ask('/departments/audit/reports')).statusCode === 200),
    ).toBe(true);
    allowed(await ask('/departments/audit/reports'));
    expectGatewayDenied(await ask('/departments/sales/reports'), 'condition_failed');
  });

  it('denies a condition that reads a missing key or claim (fail closed)', async () => {
    expectGatewayDenied(await ask('/tenants/acme'), 'condition_failed');
    expectGatewayDenied(await ask('/search'), 'condition_failed');
  });

  it('judges the token before the condition: no token is still 401 token_missing', async () => {
    expectGatewayDenied(
      await gateway(sut, { method: 'GET', uri: `${base}/invoices/${owner.clientId}` }),
      'token_missing',
    );
  });

  it('leaves rules without a condition as they were: a literal segment beats {id}', async () => {
    allowed(await ask('/invoices/export'));
  });

  it('explains which condition failed and why', async () => {
    const explain = async (path: string) => {
      const response = await sut.admin('POST', '/admin/access/explain', {
        token: owner.token,
        method: 'GET',
        path: `${base}${path}`,
      });
      expect(response.statusCode).toBe(200);
      const { allowed, reason, rule, condition } = response.json();
      return { allowed, reason, rule, condition };
    };
    expect(await explain('/tenants/acme')).toEqual({
      allowed: false,
      reason: 'condition_failed',
      rule: expect.objectContaining({
        path: `${base}/tenants/{tenant}`,
        condition: 'token.claims.tenant == request.params.tenant',
      }),
      condition: {
        source: 'token.claims.tenant == request.params.tenant',
        held: false,
        problem: 'No such key: tenant',
      },
    });
    expect(await explain('/invoices/someone-else')).toMatchObject({
      allowed: false,
      condition: { source: 'request.params.id == subject.id', held: false, problem: 'false' },
    });
    expect(await explain(`/invoices/${owner.clientId}`)).toMatchObject({
      allowed: true,
      reason: 'allowed',
      condition: { source: 'request.params.id == subject.id', held: true, problem: null },
    });
    expect(await explain('/invoices/export')).toMatchObject({ allowed: true, condition: null });
  });

  describe('refused at save with 400 naming the field and the position', () => {
    const save = (condition: unknown, extra: Record<string, unknown> = {}) =>
      sut.admin('POST', '/admin/access-rules', {
        path: `${base}/refused/{id}`,
        permission: 'invoices:read',
        condition,
        ...extra,
      });

    it('an unknown variable', async () => {
      expectRefused(
        await save('request.params.id == owner'),
        'Unknown variable: owner (line 1, column 22)',
      );
    });

    it('an unknown member of a declared variable', async () => {
      expectRefused(await save('subject.idd == "x"'), 'No such key: idd (line 1, column 9)');
    });

    it('a parse error, on its line', async () => {
      const response = await save('subject.id ==\n  && true');
      expect(response.statusCode).toBe(400);
      expect(response.json().details[0].problem).toMatch(/\(line 2, column 3\)$/);
    });

    it('a type error and a result that is not boolean', async () => {
      expectRefused(
        await save('subject.id == 1'),
        'no such overload: string == int (line 1, column 1)',
      );
      expectRefused(
        await save('subject.id'),
        'must be a boolean expression, not string (line 1, column 1)',
      );
    });

    it('a condition that nests comprehensions too deep', async () => {
      expectRefused(
        await save(
          'subject.roles.exists(a, subject.roles.exists(b, subject.roles.exists(c, a == b)))',
        ),
        'must nest at most 2 comprehensions (exists, all, map…) (line 1, column 1)',
      );
    });

    it('a condition on an anonymous rule', async () => {
      expectRefused(
        await save('true', { permission: undefined, anonymous: true }),
        'an anonymous rule has no subject to judge',
      );
    });

    it('a path whose named segment is not an identifier', async () => {
      const response = await sut.admin('POST', '/admin/access-rules', {
        path: `${base}/bad/{1d}`,
        condition: 'true',
      });
      expect({ status: response.statusCode, details: response.json().details }).toEqual({
        status: 400,
        details: [
          {
            field: 'path',
            problem: 'a named segment must be a whole segment {name}, the name an identifier',
          },
        ],
      });
    });

    it('and a valid one is saved and shown with its condition', async () => {
      const response = await save('request.params.id == subject.id');
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        id: expect.stringMatching(UUID),
        path: `${base}/refused/{id}`,
        condition: 'request.params.id == subject.id',
      });
    });
  });
  describe("on a role's permissions", () => {
    let writer: { token: string; clientId: string };
    const ownWrites = unique('own-writer');
    before(async () => {
      const created = await sut.admin('POST', '/admin/roles', {
        name: ownWrites,
        permissions: ['invoices:write', 'reports:view'],
        conditions: {
          'invoices:write': 'request.params.id == subject.id',
          'reports:view': 'resource.type == "reports" && action.name == "view"',
        },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        conditions: {
          'invoices:write': 'request.params.id == subject.id',
          'reports:view': 'resource.type == "reports" && action.name == "view"',
        },
      });
      const client = await createService(sut, 'invoices:write reports:view', [ownWrites]);
      writer = { token: await clientToken(sut, client), clientId: client.client_id };
      await createRule(sut, { path: `${base}/written/{id}`, permission: 'invoices:write' });
    });

    it("grants the permission only where the role's condition holds", async () => {
      const ask = (id: string) =>
        gateway(sut, { token: writer.token, method: 'PUT', uri: `${base}/written/${id}` });
      expectGatewayAllowed(await ask(writer.clientId), {
        sub: writer.clientId,
        clientId: writer.clientId,
        scope: 'invoices:write reports:view',
      });
      expectGatewayDenied(await ask('someone-else'), 'condition_failed');
    });

    it('at /access/check: resource and action come from the permission; no request, so false', async () => {
      const who = {
        sub: writer.clientId,
        client_id: writer.clientId,
        scope: 'invoices:write reports:view',
      };
      expectCheck(await check(sut, writer.token, 'reports', 'view'), {
        allowed: true,
        reason: 'allowed',
        ...who,
      });
      expectCheck(await check(sut, writer.token, 'invoices', 'write'), {
        allowed: false,
        reason: 'condition_failed',
        ...who,
      });
    });

    it("at AuthZEN too: the role's condition decides, and without a request it is false", async () => {
      const subject = { type: 'client' as const, id: writer.clientId };
      expect(await holds(sut, subject, 'reports:view')).toBe(true);
      expect(await holds(sut, subject, 'invoices:write')).toBe(false);
    });

    it('refuses a bad condition, or one on a permission the role does not grant, with 400', async () => {
      const response = await sut.admin('POST', '/admin/roles', {
        name: unique('bad'),
        permissions: ['invoices:write'],
        conditions: { 'invoices:write': 'subject.id == owner', 'invoices:read': 'true' },
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message:
            'conditions.invoices:write: Unknown variable: owner (line 1, column 15) (and 1 more)',
          details: [
            {
              field: 'conditions.invoices:write',
              problem: 'Unknown variable: owner (line 1, column 15)',
            },
            { field: 'conditions.invoices:read', problem: 'must be a permission the role grants' },
          ],
        },
      });
    });
  });
});

describe('context at the gateway and /access/check: the server’s time and address (docs/access.md)', () => {
  let sut: TestApp;
  let caller: { token: string; clientId: string };
  let tenantCaller: { token: string; clientId: string };
  const base = `/${unique('addr')}`;
  const PROXY = '10.0.0.1';

  before(async () => {
    // Only this proxy's forwarded headers are believed (docs/configuration.md, TRUST_PROXY).
    sut = await startTestApp({ TRUST_PROXY: PROXY });
    const role = await createRole(sut, ['invoices:read', 'reports:view']);
    const client = await createService(sut, 'invoices:read reports:view', [role]);
    caller = { token: await clientToken(sut, client), clientId: client.client_id };
    await createRule(sut, {
      path: `${base}/partner/**`,
      permission: 'invoices:read',
      condition: 'context.address == "198.51.100.4"',
    });
    await createRule(sut, {
      path: `${base}/recent/**`,
      permission: 'invoices:read',
      condition: 'context.time > timestamp("2020-01-01T00:00:00Z")',
    });
    const conditioned = unique('tenant-reports');
    const created = await sut.admin('POST', '/admin/roles', {
      name: conditioned,
      permissions: ['tenant:view'],
      conditions: {
        'tenant:view':
          'context.tenant == "acme" && context.address == "198.51.100.4" && ' +
          'context.time > timestamp("2020-01-01T00:00:00Z") && context["constructor"] == "data"',
      },
    });
    expect(created.statusCode).toBe(201);
    const tenant = await createService(sut, 'tenant:view', [conditioned]);
    tenantCaller = { token: await clientToken(sut, tenant), clientId: tenant.client_id };
  });
  after(() => sut.close());

  const through = (remoteAddress: string, headers: Record<string, string>, path = '/partner/x') =>
    sut.request({
      method: 'GET',
      url: '/access/gateway',
      remoteAddress,
      headers: {
        authorization: `Bearer ${caller.token}`,
        'x-original-method': 'GET',
        'x-original-uri': `${base}${path}`,
        ...headers,
      },
    });
  const allowed = (response: InjectResult) =>
    expectGatewayAllowed(response, {
      sub: caller.clientId,
      clientId: caller.clientId,
      scope: 'invoices:read reports:view',
    });

  it("reads the original client's address from a trusted proxy's X-Forwarded-For or X-Real-IP", async () => {
    allowed(await through(PROXY, { 'x-forwarded-for': '198.51.100.4' }));
    // Walked from the right past trusted hops only: the client's own claim further left is not it.
    allowed(await through(PROXY, { 'x-forwarded-for': '203.0.113.66, 198.51.100.4' }));
    allowed(await through(PROXY, { 'x-real-ip': '198.51.100.4' }));
    expectGatewayDenied(
      await through(PROXY, { 'x-forwarded-for': '198.51.100.5' }),
      'condition_failed',
    );
    // The proxy itself, when it forwards nothing.
    expectGatewayDenied(await through(PROXY, {}), 'condition_failed');
    // Not an address: no address at all, and the condition fails closed.
    expectGatewayDenied(
      await through(PROXY, { 'x-forwarded-for': 'not-an-address' }),
      'condition_failed',
    );
  });

  it('never believes X-Forwarded-For or X-Real-IP from an address TRUST_PROXY does not trust', async () => {
    const untrusted = '203.0.113.9';
    expectGatewayDenied(
      await through(untrusted, { 'x-forwarded-for': '198.51.100.4' }),
      'condition_failed',
    );
    expectGatewayDenied(
      await through(untrusted, { 'x-real-ip': '198.51.100.4' }),
      'condition_failed',
    );
    // The peer itself is the address when nobody is trusted to say otherwise.
    allowed(await through('198.51.100.4', { 'x-forwarded-for': '203.0.113.1' }));
  });

  it('sets context.time on every gateway decision that evaluates a condition', async () => {
    allowed(await through(PROXY, {}, '/recent/1'));
  });

  const checkWith = (body: Record<string, unknown>, remoteAddress: string, headers = {}) =>
    sut.request({
      method: 'POST',
      url: '/access/check',
      remoteAddress,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tenantCaller.token}`,
        ...headers,
      },
      payload: { resource: 'tenant', action: 'view', ...body },
    });
  const tenantWho = { sub: '', client_id: '', scope: 'tenant:view' };

  it("at /access/check: the caller's context reaches conditions, the server's address and time win", async () => {
    const who = { ...tenantWho, sub: tenantCaller.clientId, client_id: tenantCaller.clientId };
    const context = { tenant: 'acme', constructor: 'data' };
    expectCheck(await checkWith({ context }, '198.51.100.4'), {
      allowed: true,
      reason: 'allowed',
      ...who,
    });
    // The caller's address through a trusted proxy.
    expectCheck(await checkWith({ context }, PROXY, { 'x-forwarded-for': '198.51.100.4' }), {
      allowed: true,
      reason: 'allowed',
      ...who,
    });
    const failed = { allowed: false, reason: 'condition_failed', ...who };
    // A caller cannot fake the address, nor the time.
    expectCheck(
      await checkWith({ context: { ...context, address: '198.51.100.4' } }, '203.0.113.9'),
      failed,
    );
    expectCheck(
      await checkWith({ context: { ...context, address: '198.51.100.4' } }, '203.0.113.9', {
        'x-forwarded-for': '198.51.100.4',
      }),
      failed,
    );
    expectCheck(
      await checkWith({ context: { ...context, time: '2030-01-01T00:00:00Z' } }, '198.51.100.4'),
      { allowed: true, reason: 'allowed', ...who },
    );
    expectCheck(await checkWith({ context: { tenant: 'other' } }, '198.51.100.4'), failed);
    expectCheck(await checkWith({}, '198.51.100.4'), failed);
  });

  it('at /access/check: context keys are data, deep or huge, and __proto__ is refused', async () => {
    const who = { ...tenantWho, sub: tenantCaller.clientId, client_id: tenantCaller.clientId };
    let deep: object = { leaf: 1 };
    for (let i = 0; i < 28; i++) deep = { n: deep };
    const big = { tenant: 'acme', constructor: 'data', deep, note: 'x'.repeat(16_000) };
    expectCheck(await checkWith({ context: big }, '198.51.100.4'), {
      allowed: true,
      reason: 'allowed',
      ...who,
    });
    const proto = await sut.request({
      method: 'POST',
      url: '/access/check',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tenantCaller.token}`,
      },
      payload: '{"resource":"tenant","action":"view","context":{"__proto__":{"tenant":"acme"}}}',
    });
    expect({ status: proto.statusCode, body: proto.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_request', message: 'the body is not valid JSON' },
    });
    let tooDeep: object = {};
    for (let i = 0; i < 40; i++) tooDeep = { n: tooDeep };
    const refused = await checkWith({ context: { tenant: 'acme', tooDeep } }, '198.51.100.4');
    expect({ status: refused.statusCode, body: refused.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'body: nests deeper than 32 levels',
        details: [{ field: 'body', problem: 'nests deeper than 32 levels' }],
      },
    });
  });
});
