import { expect } from 'expect';
import { FastifyRequest } from 'fastify';
import { describe, it } from 'node:test';
import { loginAttempt } from './login-attempt';

function request(body: unknown, query: Record<string, unknown> = {}): FastifyRequest {
  return { body, query } as unknown as FastifyRequest;
}

describe(loginAttempt.name, () => {
  it('reads username and password from the form body', () => {
    expect(loginAttempt(request({ username: 'alice', password: 'pw' }))).toEqual({
      username: 'alice',
      password: 'pw',
    });
  });

  it('refuses credentials in the query string, naming the account either place names', () => {
    expect(loginAttempt(request({ password: 'pw' }, { username: 'alice' }))).toEqual({
      username: 'alice',
      password: '',
      refusal: 'credentials_in_query',
    });
    expect(
      loginAttempt(request({ username: 'bob', password: 'pw' }, { username: 'alice' })),
    ).toEqual({ username: 'bob', password: '', refusal: 'credentials_in_query' });
    expect(loginAttempt(request({ username: 'bob', password: 'pw' }, { password: '' }))).toEqual({
      username: 'bob',
      password: '',
      refusal: 'credentials_in_query',
    });
  });

  it('leaves other query parameters alone', () => {
    const attempt = loginAttempt(request({ username: 'a', password: 'b' }, { interaction: 'x' }));
    expect(attempt.refusal).toBeUndefined();
  });

  it('a missing, empty or repeated field is missing_credentials, never a password to check', () => {
    for (const body of [
      {},
      { username: 'alice' },
      { password: 'pw' },
      { username: '', password: 'pw' },
      { username: ['alice', 'bob'], password: 'pw' },
      { username: 'alice', password: ['a', 'b'] },
      'not a form',
      undefined,
    ]) {
      const attempt = loginAttempt(request(body));
      expect(attempt.refusal).toBe('missing_credentials');
      expect(attempt.password).toBe('');
    }
  });

  it('reads a request once: later changes to its body do not change the attempt', () => {
    const body: Record<string, string> = { username: 'alice', password: 'pw' };
    const sut = request(body);
    const first = loginAttempt(sut);
    body.username = 'mallory';
    expect(loginAttempt(sut)).toBe(first);
  });
});
