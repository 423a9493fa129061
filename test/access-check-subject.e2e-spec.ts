import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  clientToken,
  createRole,
  createService,
  expectCheck,
  setUserRoles,
  unique,
  createUserWith,
} from './support/access';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';

type FieldProblems = Array<{ field: string; problem: string }>;

/**
 * `POST /access/check` naming a subject (docs/access.md, "Three surfaces"): a caller whose token
 * carries iam:check asks about a user (by id, username or email) or a client, as an AuthZEN
 * evaluation decides it; anyone else is refused without a decision about the subject.
 */
describe('/access/check with a subject (docs/access.md)', () => {
  let sut: TestApp;
  let checkerId: string;
  let checker: string;
  let plainId: string;
  let plain: string;
  let reader: string;
  let bystander: string;
  let service: string;

  const createUser = (body: object): Promise<string> => createUserWith(sut, body);

  before(async () => {
    sut = await startTestApp();
    const role = await createRole(sut, ['invoices:read']);
    const approver = unique('approver');
    const created = await sut.admin('POST', '/admin/roles', {
      name: approver,
      permissions: ['invoices:approve'],
      conditions: {
        'invoices:approve':
          'context.tenant == "acme" && context.address == "127.0.0.1" && ' +
          'subject.email == "Rita@Example.com"',
      },
    });
    expect(created.statusCode).toBe(201);
    reader = await createUser({ username: 'Rita.Reader', email: 'Rita@Example.com' });
    await setUserRoles(sut, reader, [role, approver]);
    bystander = await createUser({ username: unique('bystander') });
    await createUser({ username: unique('twin'), email: 'twins@example.com' });
    await createUser({ username: unique('twin'), email: 'Twins@Example.com' });
    const svc = await createService(sut, 'invoices:read', [role]);
    service = svc.client_id;
    const checking = await createService(sut, 'iam:check invoices:read', [role]);
    checkerId = checking.client_id;
    checker = await clientToken(sut, checking);
    const notChecking = await createService(sut, 'invoices:read', [role]);
    plainId = notChecking.client_id;
    plain = await clientToken(sut, notChecking);
  });
  after(() => sut.close());

  const ask = (
    token: string | undefined,
    body: Record<string, unknown>,
    remoteAddress?: string,
  ): Promise<InjectResult> =>
    sut.request({
      method: 'POST',
      url: '/access/check',
      remoteAddress,
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      payload: { resource: 'invoices', action: 'read', ...body },
    });
  const about = (type: string, id: unknown) => ({ subject: { type, id } });
  const aboutNobody = (reason: string) => ({
    allowed: false,
    reason,
    sub: null,
    client_id: null,
    scope: null,
  });

  it('decides about a user named by id, username or email: sub is the user id, scope null', async () => {
    for (const name of [reader, 'Rita.Reader', 'rita.reader', 'RITA@example.com']) {
      expectCheck(await ask(checker, about('user', name)), {
        allowed: true,
        reason: 'allowed',
        sub: reader,
        client_id: null,
        scope: null,
      });
    }
    expectCheck(await ask(checker, about('user', bystander)), {
      allowed: false,
      reason: 'permission_denied',
      sub: bystander,
      client_id: null,
      scope: null,
    });
  });

  it('answers an ambiguous name permission_denied and an unknown one subject_inactive, naming nobody', async () => {
    expectCheck(
      await ask(checker, about('user', 'twins@example.com')),
      aboutNobody('permission_denied'),
    );
    expectCheck(
      await ask(checker, about('user', 'nobody@example.com')),
      aboutNobody('subject_inactive'),
    );
    // A client is named by its client_id only, never as a user.
    expectCheck(await ask(checker, about('user', service)), aboutNobody('subject_inactive'));
  });

  it('decides about a client: sub and client_id are its client_id', async () => {
    expectCheck(await ask(checker, about('client', service)), {
      allowed: true,
      reason: 'allowed',
      sub: service,
      client_id: service,
      scope: null,
    });
    expectCheck(await ask(checker, { ...about('client', service), action: 'write' }), {
      allowed: false,
      reason: 'permission_denied',
      sub: service,
      client_id: service,
      scope: null,
    });
    expectCheck(await ask(checker, about('client', 'no-such-client')), {
      allowed: false,
      reason: 'subject_inactive',
      sub: 'no-such-client',
      client_id: 'no-such-client',
      scope: null,
    });
  });

  it('denies a caller without iam:check insufficient_scope, deciding nothing about the subject', async () => {
    expectCheck(await ask(plain, about('user', reader)), aboutNobody('insufficient_scope'));
    expectCheck(await ask(plain, about('client', service)), aboutNobody('insufficient_scope'));
    // Its own question, without subject, is answered as always.
    expectCheck(await ask(plain, {}), {
      allowed: true,
      reason: 'allowed',
      sub: plainId,
      client_id: plainId,
      scope: 'invoices:read',
    });
  });

  it("denies with the caller's own token problem: missing, invalid, revoked", async () => {
    expectCheck(await ask(undefined, about('user', reader)), aboutNobody('token_missing'));
    expectCheck(await ask('not-a-token', about('user', reader)), aboutNobody('token_invalid'));
    const checking = await createService(sut, 'iam:check');
    const revoked = await clientToken(sut, checking);
    const revocation = await sut.postForm(
      '/revoke',
      { token: revoked },
      { authorization: basicAuth(checking.client_id, checking.client_secret) },
    );
    expect(revocation.statusCode).toBe(200);
    expectCheck(await ask(revoked, about('user', reader)), aboutNobody('token_revoked'));
  });

  it("stops counting iam:check once the caller's registration no longer has it", async () => {
    const checking = await createService(sut, 'iam:check');
    const token = await clientToken(sut, checking);
    expectCheck(await ask(token, about('user', reader)), {
      allowed: true,
      reason: 'allowed',
      sub: reader,
      client_id: null,
      scope: null,
    });
    const narrowed = await sut.admin('PATCH', `/admin/clients/${checking.client_id}`, {
      scope: 'invoices:read',
    });
    expect(narrowed.statusCode).toBe(200);
    expectCheck(await ask(token, about('user', reader)), aboutNobody('insufficient_scope'));
  });

  it("lets a role's condition read the caller's context and address, never a forged address", async () => {
    const approve = { action: 'approve', ...about('user', 'rita.reader') };
    const allowed = { allowed: true, reason: 'allowed', sub: reader, client_id: null, scope: null };
    const conditionFailed = { ...allowed, allowed: false, reason: 'condition_failed' };
    expectCheck(await ask(checker, { ...approve, context: { tenant: 'acme' } }), allowed);
    expectCheck(await ask(checker, { ...approve, context: { tenant: 'other' } }), conditionFailed);
    expectCheck(await ask(checker, approve), conditionFailed);
    expectCheck(
      await ask(
        checker,
        { ...approve, context: { tenant: 'acme', address: '127.0.0.1' } },
        '198.51.100.7',
      ),
      conditionFailed,
    );
  });

  /** 400 in the admin API's error shape: the first problem, and how many more, as message. */
  const refused = async (body: Record<string, unknown>, details: FieldProblems) => {
    const response = await ask(checker, body);
    const first = `${details[0].field}: ${details[0].problem}`;
    const message = details.length > 1 ? `${first} (and ${details.length - 1} more)` : first;
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_request', message, details },
    });
  };

  it('refuses a subject of the wrong shape with 400, naming subject.type or subject.id', async () => {
    const badType = {
      field: 'subject.type',
      problem: 'must be one of the following values: user, client',
    };
    const notString = { field: 'subject.id', problem: 'must be a string' };
    const badLength = { field: 'subject.id', problem: 'must be 1 to 256 characters long' };
    await refused(about('group', reader), [badType]);
    await refused(about('User', reader), [badType]);
    await refused({ subject: { id: reader } }, [badType]);
    await refused(about('user', 42), [notString]);
    await refused(about('user', null), [notString]);
    await refused(about('user', ['a']), [notString]);
    await refused({ subject: { type: 'user' } }, [notString]);
    await refused(about('user', ''), [badLength]);
    await refused(about('user', 'x'.repeat(257)), [badLength]);
    await refused(about(7 as unknown as string, { id: 1 }), [badType, notString]);
    await refused({ subject: 'user' }, [{ field: 'subject', problem: 'must be an object' }]);
    await refused({ subject: [reader] }, [{ field: 'subject', problem: 'must be an object' }]);
    await refused({ subject: null }, [{ field: 'subject', problem: 'must be an object' }]);
    await refused({ subject: { type: 'user', id: reader, properties: {} } }, [
      { field: 'subject.properties', problem: 'should not exist' },
    ]);
    await refused({ resource: 'in voices', ...about('robot', reader) }, [
      { field: 'resource', problem: 'must be 1 to 100 letters, digits or _ . -' },
      badType,
    ]);
  });

  it('refuses NUL bytes and prototype keys in the subject before anything else (400)', async () => {
    const send = (payload: string) =>
      sut.request({
        method: 'POST',
        url: '/access/check',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${checker}` },
        payload,
      });
    const nul = await send(
      '{"resource":"invoices","action":"read","subject":{"type":"user","id":"rita\\u0000"}}',
    );
    expect({ status: nul.statusCode, body: nul.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'subject.id: contains a NUL character',
        details: [{ field: 'subject.id', problem: 'contains a NUL character' }],
      },
    });
    const proto = await send(
      '{"resource":"invoices","action":"read","subject":{"type":"user","id":"x","__proto__":{"id":"y"}}}',
    );
    expect({ status: proto.statusCode, body: proto.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_request', message: 'the body is not valid JSON' },
    });
  });

  it('accepts a subject id of exactly 256 characters (and finds nobody)', async () => {
    expectCheck(
      await ask(checker, about('user', 'x'.repeat(256))),
      aboutNobody('subject_inactive'),
    );
  });

  it('still decides about a caller naming itself, as about anyone', async () => {
    expectCheck(await ask(checker, about('client', checkerId)), {
      allowed: true,
      reason: 'allowed',
      sub: checkerId,
      client_id: checkerId,
      scope: null,
    });
  });
});
