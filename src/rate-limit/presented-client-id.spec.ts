import { expect } from 'expect';
import { FastifyRequest } from 'fastify';
import { describe, it } from 'node:test';
import { presentedClientId } from './presented-client-id';

function request(headers: Record<string, string>, body?: unknown): FastifyRequest {
  return { headers, body } as unknown as FastifyRequest;
}
const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const b64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const assertion = (claims: object | string) =>
  `${b64url({ alg: 'RS256' })}.${b64url(claims)}.signature`;

describe(presentedClientId.name, () => {
  it('reads the Basic user name, form-decoded (RFC 6749 §2.3.1)', () => {
    expect(presentedClientId(request({ authorization: basic('my%3Aclient', 's') }))).toBe(
      'my:client',
    );
    expect(presentedClientId(request({ authorization: basic('a+b', 's') }))).toBe('a b');
  });

  it('keeps a user name that is not valid percent-encoding as it is', () => {
    expect(presentedClientId(request({ authorization: basic('bad%zz', 's') }))).toBe('bad%zz');
  });

  it('reads the client_id form field', () => {
    expect(presentedClientId(request({}, { client_id: 'c1', client_secret: 's' }))).toBe('c1');
  });

  it('reads the iss of a client_assertion without verifying it (RFC 7523 §3)', () => {
    const body = { client_assertion: assertion({ iss: 'c2', sub: 'c2' }) };
    expect(presentedClientId(request({}, body))).toBe('c2');
  });

  it('prefers client_id to the assertion iss when both are sent', () => {
    const body = { client_id: 'c1', client_assertion: assertion({ iss: 'c2' }) };
    expect(presentedClientId(request({}, body))).toBe('c1');
  });

  it('answers undefined for anything malformed, and never throws', () => {
    const cases: FastifyRequest[] = [
      request({}),
      request({}, 'a string body'),
      request({}, { client_id: ['a', 'b'] }),
      request({}, { client_id: '' }),
      request({ authorization: 'Basic !!!' }),
      request({ authorization: basic('', 's') }),
      request({ authorization: 'Bearer abc' }),
      request({}, { client_assertion: 'not-a-jwt' }),
      request({}, { client_assertion: assertion('not json') }),
      request({}, { client_assertion: assertion({ iss: 42 }) }),
      request({}, { client_assertion: `x.${b64url('null')}.y` }),
    ];
    expect(cases.map(presentedClientId)).toEqual(cases.map(() => undefined));
  });
});
