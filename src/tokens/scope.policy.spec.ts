import { expect } from 'expect';
import { describe, it } from 'node:test';
import { InvalidRequestError, InvalidScopeError, InvalidTargetError } from '../common/oauth-error';
import { grantAudience, grantScopes } from './scope.policy';

describe(grantScopes.name, () => {
  const registered = ['invoices:read', 'invoices:write', 'reports'];

  it('asking for no scope grants the registered scopes (RFC 6749 §3.3)', () => {
    expect(grantScopes(undefined, registered)).toEqual(registered);
    expect(grantScopes('', registered)).toEqual(registered);
  });

  it('returns a copy, never the registered array itself', () => {
    const sut = grantScopes(undefined, registered);
    sut.push('extra');
    expect(registered).toEqual(['invoices:read', 'invoices:write', 'reports']);
  });

  it('a subset is granted as asked, in the order asked', () => {
    expect(grantScopes('reports invoices:read', registered)).toEqual(['reports', 'invoices:read']);
  });

  it('a scope asked twice is granted once', () => {
    expect(grantScopes('reports reports', registered)).toEqual(['reports']);
  });

  it('a scope outside the registered ones is invalid_scope naming it', () => {
    const sut = () => grantScopes('reports iam:admin other', registered);
    expect(sut).toThrow(InvalidScopeError);
    expect(sut).toThrow('the client may not request iam:admin other');
  });

  it('a client with no registered scopes may ask for none', () => {
    expect(grantScopes(undefined, [])).toEqual([]);
    expect(() => grantScopes('reports', [])).toThrow(InvalidScopeError);
  });

  for (const [name, scope] of [
    ['a double space', 'reports  invoices:read'],
    ['a leading space', ' reports'],
    ['a trailing space', 'reports '],
    ['a quote', 'rep"orts'],
    ['a backslash', 'rep\\orts'],
    ['a tab', 'reports\tinvoices:read'],
    ['a non-ASCII character', 'répports'],
  ]) {
    it(`a scope with ${name} breaks the RFC 6749 §3.3 syntax: invalid_scope`, () => {
      expect(() => grantScopes(scope, registered)).toThrow(InvalidScopeError);
    });
  }
});

describe(grantAudience.name, () => {
  const issuer = 'https://id.example.com';
  const registered = ['https://api.example.com', 'https://billing.example.com'];

  it("no resource means the client's registered audience (RFC 8707 §2)", () => {
    expect(grantAudience([], registered, issuer)).toEqual(registered);
  });

  it('no resource and no registered audience means the issuer', () => {
    expect(grantAudience([], [], issuer)).toEqual([issuer]);
  });

  it('a registered resource becomes the audience', () => {
    expect(grantAudience(['https://billing.example.com'], registered, issuer)).toEqual([
      'https://billing.example.com',
    ]);
  });

  it('several resources are all granted, each once', () => {
    expect(
      grantAudience(
        ['https://billing.example.com', 'https://api.example.com', 'https://api.example.com'],
        registered,
        issuer,
      ),
    ).toEqual(['https://billing.example.com', 'https://api.example.com']);
  });

  it("the issuer (Gatehouse's own APIs) may always be asked for", () => {
    expect(grantAudience([issuer], registered, issuer)).toEqual([issuer]);
    expect(grantAudience([issuer], [], issuer)).toEqual([issuer]);
  });

  it('a resource not registered for the client is invalid_target', () => {
    const sut = () => grantAudience(['https://other.example.com'], registered, issuer);
    expect(sut).toThrow(InvalidTargetError);
    expect(sut).toThrow('the client may not request the resource https://other.example.com');
  });

  it('one unregistered resource among registered ones is invalid_target', () => {
    expect(() =>
      grantAudience(['https://api.example.com', 'https://other.example.com'], registered, issuer),
    ).toThrow(InvalidTargetError);
  });

  it('a prefix of a registered resource is not that resource', () => {
    expect(() => grantAudience(['https://api.example.com/v2'], registered, issuer)).toThrow(
      InvalidTargetError,
    );
  });

  for (const [name, resource] of [
    ['relative', 'api'],
    ['with a fragment', 'https://api.example.com#x'],
  ]) {
    it(`a resource that is ${name} is invalid_request (RFC 8707 §2: absolute URI, no fragment)`, () => {
      expect(() => grantAudience([resource], registered, issuer)).toThrow(InvalidRequestError);
    });
  }
});
