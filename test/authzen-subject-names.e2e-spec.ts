import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  clientToken,
  createRole,
  createService,
  setUserRoles,
  AUTHZEN_ALLOW,
  authzenDeny,
  createUserWith,
} from './support/access';
import { startTestApp, TestApp } from './support/test-app';

const allow = AUTHZEN_ALLOW;
const deny = authzenDeny;

describe('AuthZEN: a user subject named by id, username or email (docs/authzen.md)', () => {
  let sut: TestApp;
  let checker: string;
  let reader: string;
  let lookalike: string;

  const createUser = (body: object): Promise<string> => createUserWith(sut, body);

  before(async () => {
    sut = await startTestApp();
    const role = await createRole(sut, ['invoices:read']);
    reader = await createUser({ username: 'Rita.Reader', email: 'Rita@Example.com' });
    await setUserRoles(sut, reader, [role]);
    // Its username is the reader's id; it holds nothing.
    lookalike = await createUser({ username: reader, email: 'look@example.com' });
    await createUser({ username: 'twin-a', email: 'twins@example.com' });
    const twinB = await createUser({ username: 'twin-b', email: 'Twins@example.com' });
    await setUserRoles(sut, twinB, [role]);
    checker = await clientToken(sut, await createService(sut, 'iam:check'));
  });
  after(() => sut.close());

  const evaluate = (id: string) =>
    sut.request({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${checker}` },
      payload: {
        subject: { type: 'user', id },
        action: { name: 'read' },
        resource: { type: 'invoices', id: 'inv-1' },
      },
    });

  const cases: Array<[string, () => string, object]> = [
    ['its id', () => reader, allow],
    ['its username, in any case', () => 'rita.reader', allow],
    ['its username as stored', () => 'Rita.Reader', allow],
    ['its email, case-insensitively', () => 'RITA@example.COM', allow],
    ['an id that is another user’s username: the id wins', () => reader, allow],
    ['that other user’s own id', () => lookalike, deny('permission_denied')],
    ['that other user’s email', () => 'look@example.com', deny('permission_denied')],
    ['an email two users share: ambiguous', () => 'twins@example.com', deny('permission_denied')],
    ['an unknown name', () => 'nobody@example.com', deny('subject_inactive')],
    ['an empty-looking name', () => ' ', deny('subject_inactive')],
  ];
  for (const [what, name, body] of cases) {
    it(`decides for ${what}`, async () => {
      const response = await evaluate(name());
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(body);
    });
  }

  it('/access/check resolves a named subject by the same rules, for a caller with iam:check', async () => {
    const check = (id: string) =>
      sut.request({
        method: 'POST',
        url: '/access/check',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${checker}` },
        payload: { resource: 'invoices', action: 'read', subject: { type: 'user', id } },
      });
    const answer = async (id: string) => {
      const response = await check(id);
      expect(response.statusCode).toBe(200);
      const { allowed, reason, sub } = response.json();
      return { allowed, reason, sub };
    };
    // The reader's id is also the lookalike's username: the id wins.
    expect(await answer(reader)).toEqual({ allowed: true, reason: 'allowed', sub: reader });
    expect(await answer('RITA@example.COM')).toEqual({
      allowed: true,
      reason: 'allowed',
      sub: reader,
    });
    expect(await answer(lookalike)).toEqual({
      allowed: false,
      reason: 'permission_denied',
      sub: lookalike,
    });
    expect(await answer('twins@example.com')).toEqual({
      allowed: false,
      reason: 'permission_denied',
      sub: null,
    });
  });

  it('follows a rename at once: the old username names nobody, the new one the user', async () => {
    const renamed = await createUser({ username: 'old-name' });
    const role = await createRole(sut, ['invoices:read']);
    await setUserRoles(sut, renamed, [role]);
    expect((await evaluate('old-name')).json()).toEqual(allow);
    const patched = await sut.admin('PATCH', `/admin/users/${renamed}`, {
      email: 'new-mail@example.com',
    });
    expect(patched.statusCode).toBe(200);
    expect((await evaluate('NEW-MAIL@example.com')).json()).toEqual(allow);
    await sut.admin('DELETE', `/admin/users/${renamed}`);
    expect((await evaluate('old-name')).json()).toEqual(deny('subject_inactive'));
    expect((await evaluate('new-mail@example.com')).json()).toEqual(deny('subject_inactive'));
  });
});
