import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  clientToken,
  createRole,
  createService,
  setUserRoles,
  UUID,
  AUTHZEN_ALLOW,
  authzenDeny,
} from '../support/access';
import { createUser, TestUser } from '../support/code-flow';
import { InjectResult, startTestApp, TestApp } from '../support/test-app';

const allow = AUTHZEN_ALLOW;
const deny = authzenDeny;

describe('AuthZEN 1.0 access evaluation API', () => {
  let sut: TestApp;
  let checker: string;
  let reader: TestUser;
  let stranger: TestUser;
  let serviceId: string;

  before(async () => {
    sut = await startTestApp();
    const role = await createRole(sut, ['invoices:read', 'reports:view']);
    reader = await createUser(sut);
    await setUserRoles(sut, reader.id, [role]);
    stranger = await createUser(sut);
    serviceId = (await createService(sut, 'invoices:read', [role])).client_id;
    checker = await clientToken(sut, await createService(sut, 'iam:check'));
  });
  after(() => sut.close());

  const post = (url: string, payload: object, token: string | undefined = checker) =>
    sut.request({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      payload,
    });
  const evaluation = (payload: object, token?: string) =>
    post('/access/v1/evaluation', payload, token);
  const evaluations = (payload: object, token?: string) =>
    post('/access/v1/evaluations', payload, token);
  const user = (id: string) => ({ type: 'user', id });
  const read = { name: 'read' };
  const write = { name: 'write' };
  const invoices = { type: 'invoices', id: 'inv-42' };
  const reports = { type: 'reports', id: 'q3' };

  function expectAnswer(response: InjectResult, body: object) {
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-decision-id']).toMatch(UUID);
    expect(response.json()).toEqual(body);
  }

  describe('GET /.well-known/authzen-configuration (AuthZEN 1.0 §9)', () => {
    it('publishes the PDP metadata as JSON, to anyone: the identifier, both evaluation endpoints, subject and action search', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/.well-known/authzen-configuration',
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['cache-control']).toBe('public, max-age=300');
      expect(response.json()).toEqual({
        policy_decision_point: 'http://localhost:3000',
        access_evaluation_endpoint: 'http://localhost:3000/access/v1/evaluation',
        access_evaluations_endpoint: 'http://localhost:3000/access/v1/evaluations',
        search_subject_endpoint: 'http://localhost:3000/access/v1/search/subject',
        search_action_endpoint: 'http://localhost:3000/access/v1/search/action',
      });
    });

    it('publishes no capabilities and no signed metadata: no registered capability URN applies, and parameters without values are omitted (§9.1.2, §9.1.3, §9.2.2)', async () => {
      const metadata = (
        await sut.request({ method: 'GET', url: '/.well-known/authzen-configuration' })
      ).json();
      expect(Object.keys(metadata).sort()).toEqual([
        'access_evaluation_endpoint',
        'access_evaluations_endpoint',
        'policy_decision_point',
        'search_action_endpoint',
        'search_subject_endpoint',
      ]);
    });

    it('advertises endpoints that answer at the advertised paths', async () => {
      const metadata = (
        await sut.request({ method: 'GET', url: '/.well-known/authzen-configuration' })
      ).json();
      const ask = { subject: user(reader.id), action: read, resource: invoices };
      for (const endpoint of [
        metadata.access_evaluation_endpoint,
        metadata.access_evaluations_endpoint,
      ]) {
        const path = new URL(endpoint).pathname;
        expectAnswer(await post(path, ask), allow);
      }
    });
  });

  describe('POST /access/v1/evaluation', () => {
    it('permits a user holding resource.type:action.name, with the decision id as header', async () => {
      const response = await evaluation({
        subject: user(reader.id),
        action: read,
        resource: invoices,
        context: { time: '2026-01-01T00:00:00Z' },
      });
      expectAnswer(response, allow);
      expect(response.json().context.decision_id).toBe(response.headers['x-decision-id']);
    });

    it('permits a client subject by client_id', async () => {
      expectAnswer(
        await evaluation({
          subject: { type: 'client', id: serviceId },
          action: read,
          resource: invoices,
        }),
        allow,
      );
    });

    it('denies permission_denied for a permission the subject does not hold', async () => {
      expectAnswer(
        await evaluation({ subject: user(reader.id), action: write, resource: invoices }),
        deny('permission_denied'),
      );
      expectAnswer(
        await evaluation({ subject: user(stranger.id), action: read, resource: invoices }),
        deny('permission_denied'),
      );
    });

    it('denies subject_inactive for an unknown or disabled subject, at once', async () => {
      expectAnswer(
        await evaluation({
          subject: user('00000000-0000-4000-8000-000000000000'),
          action: read,
          resource: invoices,
        }),
        deny('subject_inactive'),
      );
      expectAnswer(
        await evaluation({
          subject: { type: 'client', id: 'no-such-client' },
          action: read,
          resource: invoices,
        }),
        deny('subject_inactive'),
      );
      // A user id is no client_id: the subject type matters.
      expectAnswer(
        await evaluation({
          subject: { type: 'client', id: reader.id },
          action: read,
          resource: invoices,
        }),
        deny('subject_inactive'),
      );

      const doomed = await createUser(sut);
      const role = await createRole(sut, ['invoices:read']);
      await setUserRoles(sut, doomed.id, [role]);
      const ask = { subject: user(doomed.id), action: read, resource: invoices };
      expectAnswer(await evaluation(ask), allow);
      await sut.admin('PATCH', `/admin/users/${doomed.id}`, { status: 'disabled' });
      expectAnswer(await evaluation(ask), deny('subject_inactive'));
    });

    it('answers 401 without a token or with a bad one', async () => {
      const ask = { subject: user(reader.id), action: read, resource: invoices };
      const bare = await sut.request({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: { 'content-type': 'application/json' },
        payload: ask,
      });
      expect({ status: bare.statusCode, body: bare.json() }).toEqual({
        status: 401,
        body: { error: 'unauthorized', message: 'a Bearer access token is required' },
      });
      expect(bare.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      const bad = await evaluation(ask, 'not-a-token');
      expect(bad.statusCode).toBe(401);
      expect(bad.json().error).toBe('invalid_token');
    });

    it('answers 403 to a token without iam:check', async () => {
      const operator = await clientToken(sut, await createService(sut, 'iam:admin'));
      const response = await evaluation(
        { subject: user(reader.id), action: read, resource: invoices },
        operator,
      );
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 403,
        body: {
          error: 'insufficient_scope',
          message: 'the access token lacks the iam:check scope',
        },
      });
    });

    it('answers 400 naming the field for a bad subject type, action or resource', async () => {
      const badType = await evaluation({
        subject: { type: 'group', id: 'g' },
        action: read,
        resource: invoices,
      });
      expect({ status: badType.statusCode, body: badType.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message: 'subject.type: must be one of the following values: user, client',
          details: [
            { field: 'subject.type', problem: 'must be one of the following values: user, client' },
          ],
        },
      });
      const badAction = await evaluation({
        subject: user(reader.id),
        action: { name: 'read all' },
        resource: invoices,
      });
      expect(badAction.statusCode).toBe(400);
      expect(badAction.json().details).toEqual([
        { field: 'action.name', problem: 'must be letters, digits or _ . -' },
      ]);
      const noResource = await evaluation({ subject: user(reader.id), action: read });
      expect(noResource.statusCode).toBe(400);
      expect(noResource.json().details).toEqual([
        { field: 'resource', problem: 'must be an object' },
      ]);
      const notObject = await evaluation({ subject: 'alice', action: read, resource: invoices });
      expect(notObject.statusCode).toBe(400);
      expect(notObject.json().details).toContainEqual({
        field: 'subject',
        problem: 'must be an object',
      });
    });
  });

  describe('POST /access/v1/evaluations', () => {
    const three = (first: object, second: object, third: object) => [
      { action: first, resource: invoices },
      { action: second, resource: invoices },
      { action: third, resource: invoices },
    ];

    it('takes subject, action, resource and context from the top level as defaults', async () => {
      const response = await evaluations({
        subject: user(reader.id),
        action: read,
        evaluations: [
          { resource: invoices },
          { resource: reports, action: { name: 'view' } },
          { resource: reports },
          { subject: user(stranger.id), resource: invoices },
        ],
      });
      expectAnswer(response, {
        evaluations: [allow, allow, deny('permission_denied'), deny('permission_denied')],
      });
    });

    it('execute_all (the default) evaluates every request', async () => {
      const items = three(read, write, read);
      const expected = { evaluations: [allow, deny('permission_denied'), allow] };
      expectAnswer(await evaluations({ subject: user(reader.id), evaluations: items }), expected);
      expectAnswer(
        await evaluations({
          subject: user(reader.id),
          evaluations: items,
          options: { evaluations_semantic: 'execute_all' },
        }),
        expected,
      );
    });

    it('deny_on_first_deny stops at the first deny', async () => {
      expectAnswer(
        await evaluations({
          subject: user(reader.id),
          evaluations: three(read, write, read),
          options: { evaluations_semantic: 'deny_on_first_deny' },
        }),
        { evaluations: [allow, deny('permission_denied')] },
      );
      expectAnswer(
        await evaluations({
          subject: user(reader.id),
          evaluations: three(read, read, read),
          options: { evaluations_semantic: 'deny_on_first_deny' },
        }),
        { evaluations: [allow, allow, allow] },
      );
    });

    it('permit_on_first_permit stops at the first permit', async () => {
      expectAnswer(
        await evaluations({
          subject: user(reader.id),
          evaluations: three(write, read, write),
          options: { evaluations_semantic: 'permit_on_first_permit' },
        }),
        { evaluations: [deny('permission_denied'), allow] },
      );
      expectAnswer(
        await evaluations({
          subject: user(reader.id),
          evaluations: three(write, write, write),
          options: { evaluations_semantic: 'permit_on_first_permit' },
        }),
        {
          evaluations: [
            deny('permission_denied'),
            deny('permission_denied'),
            deny('permission_denied'),
          ],
        },
      );
    });

    it('acts as one evaluation without an evaluations array, or with an empty one', async () => {
      const single = { subject: user(reader.id), action: read, resource: invoices };
      expectAnswer(await evaluations(single), allow);
      expectAnswer(await evaluations({ ...single, evaluations: [] }), allow);
      expectAnswer(
        await evaluations({ subject: user(stranger.id), action: read, resource: invoices }),
        deny('permission_denied'),
      );
    });

    it('answers 400 for an evaluation lacking subject, action or resource with no default', async () => {
      const response = await evaluations({
        subject: user(reader.id),
        evaluations: [{ action: read, resource: invoices }, { resource: invoices }],
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message:
            'evaluations: each evaluation needs subject, action and resource, itself or by default',
          details: [
            {
              field: 'evaluations',
              problem: 'each evaluation needs subject, action and resource, itself or by default',
            },
          ],
        },
      });
      expect((await evaluations({ subject: user(reader.id) })).statusCode).toBe(400);
    });

    it('answers 400 for an unknown semantic or a bad subject type inside evaluations', async () => {
      const semantic = await evaluations({
        subject: user(reader.id),
        evaluations: three(read, read, read),
        options: { evaluations_semantic: 'first_match' },
      });
      expect(semantic.statusCode).toBe(400);
      expect(semantic.json().details.map((d: { field: string }) => d.field)).toEqual([
        'options.evaluations_semantic',
      ]);
      const badType = await evaluations({
        evaluations: [{ subject: { type: 'robot', id: 'r' }, action: read, resource: invoices }],
      });
      expect(badType.statusCode).toBe(400);
      expect(badType.json().details.map((d: { field: string }) => d.field)).toEqual([
        'evaluations.0.subject.type',
      ]);
    });

    it('answers 401 without a token and 403 without iam:check', async () => {
      const ask = { subject: user(reader.id), action: read, resource: invoices };
      const bare = await sut.request({
        method: 'POST',
        url: '/access/v1/evaluations',
        headers: { 'content-type': 'application/json' },
        payload: ask,
      });
      expect(bare.statusCode).toBe(401);
      const operator = await clientToken(sut, await createService(sut, 'iam:admin'));
      expect((await evaluations(ask, operator)).statusCode).toBe(403);
    });
  });

  describe('unknown members are ignored (AuthZEN 1.0 §10.1.1)', () => {
    it('evaluation: unknown members at every depth change nothing', async () => {
      expectAnswer(
        await evaluation({
          subject: { ...user(reader.id), realm: 'x', properties: { department: 'Sales' } },
          action: { ...read, verb: 'GET', properties: { method: 'GET' } },
          resource: { ...invoices, owner: 'bob', properties: { library_record: { isbn: '1' } } },
          context: { time: '1985-10-26T01:22-07:00', nested: { deep: [1, 2] } },
          page: { token: 'ignored' },
          future_member: { anything: true },
        }),
        allow,
      );
      expectAnswer(
        await evaluation({
          subject: user(stranger.id),
          action: read,
          resource: invoices,
          future_member: 1,
        }),
        deny('permission_denied'),
      );
    });

    it('evaluations: unknown members at the top, in each item and in options change nothing', async () => {
      expectAnswer(
        await evaluations({
          subject: { ...user(reader.id), tenant: 't1' },
          action: read,
          evaluations: [
            { resource: { ...invoices, extra: 1 }, note: 'first' },
            { resource: reports, action: { name: 'write', extra: true } },
          ],
          options: { evaluations_semantic: 'execute_all', another_option: 'value' },
          future_member: [1, 2, 3],
        }),
        { evaluations: [allow, deny('permission_denied')] },
      );
    });

    it('the admin API still refuses members it does not know', async () => {
      const response = await sut.admin('POST', '/admin/roles', {
        name: 'strict-role',
        permissions: ['invoices:read'],
        colour: 'red',
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message: 'colour: should not exist',
          details: [{ field: 'colour', problem: 'should not exist' }],
        },
      });
    });
  });

  describe('required members and their types (AuthZEN 1.0 §5, §10.1.1: 400 Bad Request)', () => {
    async function expectBadRequest(response: InjectResult, details: object[]) {
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.json()).toEqual({
        error: 'invalid_request',
        message: expect.any(String),
        details,
      });
    }

    it('resource.id is required', async () => {
      const response = await evaluation({
        subject: user(reader.id),
        action: read,
        resource: { type: 'invoices' },
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message: 'resource.id: must be a string',
          details: [{ field: 'resource.id', problem: 'must be a string' }],
        },
      });
    });

    it('resource.type, subject.type, subject.id and action.name are required', async () => {
      await expectBadRequest(
        await evaluation({ subject: { type: 'user' }, action: {}, resource: { id: 'inv-42' } }),
        [
          { field: 'subject.id', problem: 'must be a string' },
          { field: 'action.name', problem: 'must be letters, digits or _ . -' },
          { field: 'resource.type', problem: 'must be letters, digits or _ . -' },
        ],
      );
      await expectBadRequest(
        await evaluation({ subject: { id: reader.id }, action: read, resource: invoices }),
        [{ field: 'subject.type', problem: 'must be one of the following values: user, client' }],
      );
    });

    it('ids and names are strings, properties and context are objects', async () => {
      await expectBadRequest(
        await evaluation({
          subject: { type: 'user', id: 42 },
          action: read,
          resource: { ...invoices, id: ['inv-42'] },
        }),
        [
          { field: 'subject.id', problem: 'must be a string' },
          { field: 'resource.id', problem: 'must be a string' },
        ],
      );
      await expectBadRequest(
        await evaluation({
          subject: { ...user(reader.id), properties: 'Sales' },
          action: { ...read, properties: ['GET'] },
          resource: { ...invoices, properties: 7 },
          context: 'now',
        }),
        [
          { field: 'subject.properties', problem: 'must be an object' },
          { field: 'action.properties', problem: 'must be an object' },
          { field: 'resource.properties', problem: 'must be an object' },
          { field: 'context', problem: 'must be an object' },
        ],
      );
    });

    it('evaluations: a resource without id, in an item or as the default, is a 400', async () => {
      await expectBadRequest(
        await evaluations({
          subject: user(reader.id),
          action: read,
          evaluations: [{ resource: invoices }, { resource: { type: 'invoices' } }],
        }),
        [{ field: 'evaluations.1.resource.id', problem: 'must be a string' }],
      );
      await expectBadRequest(
        await evaluations({
          subject: user(reader.id),
          action: read,
          resource: { type: 'invoices' },
          evaluations: [{}],
        }),
        [{ field: 'resource.id', problem: 'must be a string' }],
      );
      await expectBadRequest(
        await evaluations({ subject: user(reader.id), action: read, evaluations: ['invoices'] }),
        [
          { field: 'evaluations', problem: 'each value in evaluations must be an object' },
          {
            field: 'evaluations.0',
            problem: 'each value in nested property evaluations must be either object or array',
          },
        ],
      );
    });

    it('refuses more than 100 evaluations in one request', async () => {
      const items = (count: number) =>
        Array.from({ length: count }, () => ({ resource: invoices }));
      expectAnswer(
        await evaluations({ subject: user(reader.id), action: read, evaluations: items(100) }),
        { evaluations: Array.from({ length: 100 }, () => allow) },
      );
      await expectBadRequest(
        await evaluations({ subject: user(reader.id), action: read, evaluations: items(101) }),
        [{ field: 'evaluations', problem: 'must contain no more than 100 elements' }],
      );
    });

    it('the body is a JSON object', async () => {
      const array = await evaluation([
        { subject: user(reader.id), action: read, resource: invoices },
      ]);
      expect({ status: array.statusCode, body: array.json() }).toEqual({
        status: 400,
        body: { error: 'invalid_request', message: 'the body must be a JSON object' },
      });
      const text = await sut.request({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${checker}` },
        payload: JSON.stringify({ subject: user(reader.id), action: read, resource: invoices }),
      });
      expect({ status: text.statusCode, body: text.json() }).toEqual({
        status: 400,
        body: { error: 'invalid_request', message: 'the request must be application/json' },
      });
    });
  });

  describe('X-Request-ID (AuthZEN 1.0 §10.1.3)', () => {
    const ask = () => ({ subject: user(reader.id), action: read, resource: invoices });
    const withId = (url: string, id: string, payload: object, token: string | null = checker) =>
      sut.request({
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/json',
          'x-request-id': id,
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        },
        payload,
      });

    it('echoes the PEP request id on a decision, single and batch', async () => {
      const id = 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716';
      const single = await withId('/access/v1/evaluation', id, ask());
      expectAnswer(single, allow);
      expect(single.headers['x-request-id']).toBe(id);
      const batch = await withId('/access/v1/evaluations', 'batch/7:A~z', {
        ...ask(),
        evaluations: [{}, { action: write }],
      });
      expectAnswer(batch, { evaluations: [allow, deny('permission_denied')] });
      expect(batch.headers['x-request-id']).toBe('batch/7:A~z');
    });

    it('echoes it on 400, 401 and 403 answers too', async () => {
      const bad = await withId('/access/v1/evaluation', 'req-400', { subject: user(reader.id) });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['x-request-id']).toBe('req-400');
      const anonymous = await withId('/access/v1/evaluation', 'req-401', ask(), null);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      expect(anonymous.headers['x-request-id']).toBe('req-401');
      const operator = await clientToken(sut, await createService(sut, 'iam:admin'));
      const forbidden = await withId('/access/v1/evaluations', 'req-403', ask(), operator);
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.headers['x-request-id']).toBe('req-403');
    });

    it('echoes up to 128 visible ASCII characters; anything else is replaced by a new UUID', async () => {
      const longest = 'a'.repeat(127) + '~';
      expect((await withId('/access/v1/evaluation', longest, ask())).headers['x-request-id']).toBe(
        longest,
      );
      // Header bytes arrive as ISO-8859-1 strings; `café` is sent as its UTF-8 bytes (the edge
      // refuses header bytes that are not UTF-8 before AuthZEN sees them).
      const utf8Cafe = Buffer.from('caf\u00e9').toString('latin1');
      for (const hostile of ['a'.repeat(129), 'two words', 'tab\there', utf8Cafe]) {
        const response = await withId('/access/v1/evaluation', hostile, ask());
        expectAnswer(response, allow);
        expect(response.headers['x-request-id']).toMatch(UUID);
      }
    });

    it('gives a request without an id one of its own', async () => {
      const response = await evaluation(ask());
      expectAnswer(response, allow);
      expect(response.headers['x-request-id']).toMatch(UUID);
      const other = await evaluation(ask());
      expect(other.headers['x-request-id']).not.toBe(response.headers['x-request-id']);
    });
  });
});
