import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  clientToken,
  createService,
  setUserRoles,
  unique,
  AUTHZEN_ALLOW,
  authzenDeny,
  createUserWith,
} from './support/access';
import { InjectResult, startTestApp, TestApp } from './support/test-app';

const allow = AUTHZEN_ALLOW;
const deny = authzenDeny;

/**
 * AuthZEN evaluations and searches decided by a role's condition on what the request says:
 * `resource.properties`, `action.properties`, `subject.properties`, `context`, and the user's
 * username and email (docs/authzen.md, docs/access.md "Conditions").
 */
describe('AuthZEN: role conditions read properties and context (docs/authzen.md)', () => {
  let sut: TestApp;
  let checker: string;
  let rick: string;
  let morty: string;
  let role: string;
  const type = unique('todos').replace(/[^A-Za-z0-9_.-]/g, '_');

  const createUser = (body: object): Promise<string> => createUserWith(sut, body);
  const createConditionedRole = async (conditions: Record<string, string>): Promise<string> => {
    const name = unique('role');
    const response = await sut.admin('POST', '/admin/roles', {
      name,
      permissions: Object.keys(conditions),
      conditions,
    });
    expect(response.statusCode).toBe(201);
    return name;
  };

  before(async () => {
    sut = await startTestApp();
    role = await createConditionedRole({
      [`${type}:update`]: 'resource.properties.ownerID == subject.email',
      [`${type}:read`]: 'subject.username == "Rick.Sanchez"',
      [`${type}:delete`]: 'context.tenant == "c-137" && action.properties.force == true',
      [`${type}:share`]: 'subject.properties.department == "r&d"',
      [`${type}:time`]: 'context.time > timestamp("2020-01-01T00:00:00Z")',
      [`${type}:address`]: 'context.address == "127.0.0.1"',
      [`${type}:proto`]:
        'context["constructor"] == "data" && resource.properties.a["constructor"].b == 1',
      [`${type}:size`]: 'size(context.note) == 16000',
    });
    rick = await createUser({ username: 'Rick.Sanchez', email: 'Rick@The-Citadel.com' });
    morty = await createUser({ username: 'morty', email: 'morty@the-citadel.com' });
    await setUserRoles(sut, rick, [role]);
    await setUserRoles(sut, morty, [role]);
    checker = await clientToken(sut, await createService(sut, 'iam:check'));
  });
  after(() => sut.close());

  const post = (url: string, payload: object | string): Promise<InjectResult> =>
    sut.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${checker}` },
      payload,
    });
  const evaluate = async (body: object): Promise<unknown> => {
    const response = await post('/access/v1/evaluation', body);
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const ask = (
    subject: string,
    action: string,
    extra: { resource?: object; action?: object; subject?: object; context?: object } = {},
  ) =>
    evaluate({
      subject: { type: 'user', id: subject, ...extra.subject },
      action: { name: action, ...extra.action },
      resource: { type, id: 'todo-1', ...extra.resource },
      ...(extra.context ? { context: extra.context } : {}),
    });
  const ownedBy = (ownerID: unknown) => ({ resource: { properties: { ownerID } } });

  it("allows the owner: resource.properties.ownerID == subject.email, the user's email as stored", async () => {
    expect(await ask(rick, 'update', ownedBy('Rick@The-Citadel.com'))).toEqual(allow);
    // Named by username or email, the condition still sees the user as stored.
    expect(await ask('rick.sanchez', 'update', ownedBy('Rick@The-Citadel.com'))).toEqual(allow);
    expect(await ask('RICK@the-citadel.com', 'update', ownedBy('Rick@The-Citadel.com'))).toEqual(
      allow,
    );
    expect(await ask(morty, 'update', ownedBy('morty@the-citadel.com'))).toEqual(allow);
  });

  it('denies anyone else, and a missing property, with condition_failed', async () => {
    expect(await ask(morty, 'update', ownedBy('Rick@The-Citadel.com'))).toEqual(
      deny('condition_failed'),
    );
    // Case matters: the email is compared as stored.
    expect(await ask(rick, 'update', ownedBy('rick@the-citadel.com'))).toEqual(
      deny('condition_failed'),
    );
    expect(await ask(rick, 'update')).toEqual(deny('condition_failed'));
    expect(await ask(rick, 'update', { resource: { properties: {} } })).toEqual(
      deny('condition_failed'),
    );
    expect(await ask(rick, 'update', ownedBy(null))).toEqual(deny('condition_failed'));
    expect(await ask(rick, 'update', ownedBy(['Rick@The-Citadel.com']))).toEqual(
      deny('condition_failed'),
    );
  });

  it("sees a user's new email at once, after a change through the admin API", async () => {
    const user = await createUser({ username: unique('summer'), email: 'Summer@Example.com' });
    await setUserRoles(sut, user, [role]);
    expect(await ask(user, 'update', ownedBy('Summer@Example.com'))).toEqual(allow);
    const patched = await sut.admin('PATCH', `/admin/users/${user}`, {
      email: 'Summer.Smith@Example.com',
    });
    expect(patched.statusCode).toBe(200);
    expect(await ask(user, 'update', ownedBy('Summer@Example.com'))).toEqual(
      deny('condition_failed'),
    );
    expect(await ask(user, 'update', ownedBy('Summer.Smith@Example.com'))).toEqual(allow);
  });

  it('reads subject.username in its original case', async () => {
    expect(await ask(rick, 'read')).toEqual(allow);
    expect(await ask(morty, 'read')).toEqual(deny('condition_failed'));
  });

  it('reads context and action.properties', async () => {
    const both = { context: { tenant: 'c-137' }, action: { properties: { force: true } } };
    expect(await ask(rick, 'delete', both)).toEqual(allow);
    expect(await ask(rick, 'delete', { ...both, context: { tenant: 'c-132' } })).toEqual(
      deny('condition_failed'),
    );
    expect(await ask(rick, 'delete', { context: { tenant: 'c-137' } })).toEqual(
      deny('condition_failed'),
    );
    expect(await ask(rick, 'delete', { action: { properties: { force: true } } })).toEqual(
      deny('condition_failed'),
    );
  });

  it("reads subject.properties, what the PEP says, apart from the admin's attributes", async () => {
    expect(await ask(rick, 'share', { subject: { properties: { department: 'r&d' } } })).toEqual(
      allow,
    );
    expect(await ask(rick, 'share', { subject: { properties: { department: 'ops' } } })).toEqual(
      deny('condition_failed'),
    );
    expect(await ask(rick, 'share')).toEqual(deny('condition_failed'));
  });

  it("keeps the server's time and address: a caller's context cannot fake them", async () => {
    expect(await ask(rick, 'time')).toEqual(allow);
    expect(await ask(rick, 'time', { context: { time: '2019-01-01T00:00:00Z' } })).toEqual(allow);
    expect(await ask(rick, 'address')).toEqual(allow);
    expect(await ask(rick, 'address', { context: { address: '127.0.0.1' } })).toEqual(allow);
    const fromElsewhere = await sut.request({
      method: 'POST',
      url: '/access/v1/evaluation',
      remoteAddress: '198.51.100.7',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${checker}` },
      payload: {
        subject: { type: 'user', id: rick },
        action: { name: 'address' },
        resource: { type, id: 'todo-1' },
        context: { address: '127.0.0.1' },
      },
    });
    expect(fromElsewhere.statusCode).toBe(200);
    expect(fromElsewhere.json()).toEqual(deny('condition_failed'));
  });

  it('gives each evaluation of a batch its own context: the item’s, else the default (§7.1.1)', async () => {
    const response = await post('/access/v1/evaluations', {
      subject: { type: 'user', id: rick },
      resource: { type, id: 'todo-1' },
      action: { name: 'delete', properties: { force: true } },
      context: { tenant: 'c-137' },
      evaluations: [
        {},
        { context: { tenant: 'c-132' } },
        { context: {} },
        { action: { name: 'delete' } },
        {
          action: { name: 'update' },
          resource: { type, id: 'todo-2', properties: { ownerID: 'Rick@The-Citadel.com' } },
        },
        {},
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      evaluations: [
        allow,
        deny('condition_failed'),
        deny('condition_failed'),
        deny('condition_failed'),
        allow,
        allow,
      ],
    });
  });

  it('drops constructor and prototype keys before deciding (fail closed), refuses __proto__ keys (400)', async () => {
    // The web framework's validation removes members named constructor and prototype from
    // every request body: a condition reading one finds no such key.
    const constructorKeys =
      `{"subject":{"type":"user","id":"${rick}"},"action":{"name":"proto"},` +
      `"resource":{"type":"${type}","id":"1","properties":{"a":{"constructor":{"b":1}}}},` +
      '"context":{"constructor":"data"}}';
    const response = await post('/access/v1/evaluation', constructorKeys);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(deny('condition_failed'));
    for (const where of ['context', 'subject.properties', 'resource.properties']) {
      const proto = '{"__proto__":{"tenant":"c-137"}}';
      const body =
        where === 'context'
          ? `{"subject":{"type":"user","id":"${rick}"},"action":{"name":"delete"},"resource":{"type":"${type}","id":"1"},"context":${proto}}`
          : where === 'subject.properties'
            ? `{"subject":{"type":"user","id":"${rick}","properties":${proto}},"action":{"name":"delete"},"resource":{"type":"${type}","id":"1"}}`
            : `{"subject":{"type":"user","id":"${rick}"},"action":{"name":"delete"},"resource":{"type":"${type}","id":"1","properties":${proto}}}`;
      const response = await post('/access/v1/evaluation', body);
      expect({ where, status: response.statusCode, body: response.json() }).toEqual({
        where,
        status: 400,
        body: { error: 'invalid_request', message: 'the body is not valid JSON' },
      });
    }
  });

  it('decides with a deeply nested context, and refuses one past the nesting limit', async () => {
    const nested = (depth: number): object => {
      let value: object = { leaf: true };
      for (let i = 0; i < depth; i++) value = { n: value };
      return value;
    };
    // The body itself nests 2 levels (body, context), so 29 more fit within 32.
    expect(
      await ask(rick, 'delete', {
        context: { tenant: 'c-137', deep: nested(28) },
        action: { properties: { force: true } },
      }),
    ).toEqual(allow);
    const response = await post('/access/v1/evaluation', {
      subject: { type: 'user', id: rick },
      action: { name: 'delete' },
      resource: { type, id: '1' },
      context: { deep: nested(40) },
    });
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'body: nests deeper than 32 levels',
        details: [{ field: 'body', problem: 'nests deeper than 32 levels' }],
      },
    });
  });

  it('decides with huge values; a string past 16,384 characters is a 400, a body past BODY_LIMIT a 413', async () => {
    expect(await ask(rick, 'size', { context: { note: 'x'.repeat(16_000) } })).toEqual(allow);
    expect(await ask(rick, 'size', { context: { note: 'x'.repeat(15_999) } })).toEqual(
      deny('condition_failed'),
    );
    const many: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) many[`k${i}`] = i;
    expect(await ask(rick, 'size', { context: many })).toEqual(deny('condition_failed'));
    const long = await post('/access/v1/evaluation', {
      subject: { type: 'user', id: rick },
      action: { name: 'size' },
      resource: { type, id: '1' },
      context: { note: 'x'.repeat(20_000) },
    });
    expect({ status: long.statusCode, body: long.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'context.note: is longer than 16384 characters',
        details: [{ field: 'context.note', problem: 'is longer than 16384 characters' }],
      },
    });
    const notes: Record<string, string> = {};
    for (let i = 0; i < 6; i++) notes[`n${i}`] = 'x'.repeat(16_000);
    const huge = await post('/access/v1/evaluation', {
      subject: { type: 'user', id: rick },
      action: { name: 'size' },
      resource: { type, id: '1' },
      context: notes,
    });
    expect(huge.statusCode).toBe(413);
  });

  it('subject and action searches list what an evaluation with the same inputs allows', async () => {
    const subjects = await post('/access/v1/search/subject', {
      subject: { type: 'user' },
      action: { name: 'update' },
      resource: { type, id: 'todo-1', properties: { ownerID: 'Rick@The-Citadel.com' } },
    });
    expect(subjects.statusCode).toBe(200);
    expect(subjects.json()).toEqual({
      results: [{ type: 'user', id: rick }],
      page: { next_token: '', count: 1, total: 1 },
    });
    const actions = await post('/access/v1/search/action', {
      subject: { type: 'user', id: rick, properties: { department: 'r&d' } },
      resource: { type, id: 'todo-1', properties: { ownerID: 'Rick@The-Citadel.com' } },
      context: { tenant: 'c-137' },
    });
    expect(actions.statusCode).toBe(200);
    // delete also needs action.properties.force, which an action search has no action to carry.
    expect(actions.json()).toEqual({
      results: [
        { name: 'address' },
        { name: 'read' },
        { name: 'share' },
        { name: 'time' },
        { name: 'update' },
      ],
      page: { next_token: '', count: 5, total: 5 },
    });
    for (const { name } of actions.json().results as Array<{ name: string }>) {
      expect(
        await ask(rick, name, {
          subject: { properties: { department: 'r&d' } },
          resource: { properties: { ownerID: 'Rick@The-Citadel.com' } },
          context: { tenant: 'c-137' },
        }),
      ).toEqual(allow);
    }
  });
});
