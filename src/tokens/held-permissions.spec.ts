import { expect } from 'expect';
import { describe, it } from 'node:test';
import { Subject, SubjectPermissions } from '../common/auth/subject-permissions';
import { grantableScopes, mustHold } from './held-permissions';

class Held extends SubjectPermissions {
  asked = 0;
  constructor(private readonly held: Record<string, string[]> = {}) {
    super();
  }
  permissionsOf({ type, id }: Subject): ReadonlySet<string> {
    this.asked += 1;
    return new Set(this.held[`${type}:${id}`] ?? []);
  }
}

const person: Subject = { type: 'user', id: 'alice' };
const service: Subject = { type: 'client', id: 'svc' };
const CONSOLE = ['openid', 'offline_access', 'iam:admin', 'iam:check', 'invoices:read'];

describe(grantableScopes.name, () => {
  it("never gives a person Gatehouse's own scopes because the client is registered for them", () => {
    const sut = grantableScopes(CONSOLE, CONSOLE, person, new Held());
    expect(sut).toEqual(['openid', 'offline_access']);
  });

  it('gives a person an iam:* scope held through a role, and only that one', () => {
    const held = new Held({ 'user:alice': ['iam:admin'] });
    expect(grantableScopes(CONSOLE, CONSOLE, person, held)).toEqual([
      'openid',
      'offline_access',
      'iam:admin',
    ]);
  });

  it('gives a client acting for itself the iam:* scopes an administrator registered it for', () => {
    const sut = grantableScopes(
      ['iam:admin', 'iam:check'],
      ['iam:admin', 'iam:check'],
      service,
      new Held(),
    );
    expect(sut).toEqual(['iam:admin', 'iam:check']);
  });

  it('gives a permission scope only when held, to clients and people alike', () => {
    const held = new Held({ 'client:svc': ['invoices:read'] });
    expect(
      grantableScopes(
        ['invoices:read', 'invoices:write'],
        ['invoices:read', 'invoices:write'],
        service,
        held,
      ),
    ).toEqual(['invoices:read']);
    expect(grantableScopes(['invoices:read'], ['invoices:read'], person, held)).toEqual([]);
  });

  it("cuts to the client's registered scope as it is now: the ceiling, even for what is held", () => {
    const held = new Held({ 'user:alice': ['iam:admin', 'invoices:read'] });
    expect(grantableScopes(CONSOLE, ['openid', 'invoices:read'], person, held)).toEqual([
      'openid',
      'invoices:read',
    ]);
  });

  it('asks for the held permissions only when a scope needs them', () => {
    const held = new Held();
    expect(grantableScopes(['openid', 'profile'], ['openid', 'profile'], person, held)).toEqual([
      'openid',
      'profile',
    ]);
    expect(held.asked).toBe(0);
  });

  it('fails closed when the permission state cannot be known', () => {
    const unknown = new (class extends SubjectPermissions {
      permissionsOf(): ReadonlySet<string> {
        throw new Error('unknown');
      }
    })();
    expect(() => grantableScopes(['iam:admin'], ['iam:admin'], person, unknown)).toThrow('unknown');
  });
});

describe(mustHold.name, () => {
  it('a permission always; iam:* for a person only; other scopes never', () => {
    expect(mustHold('invoices:read', service)).toBe(true);
    expect(mustHold('iam:admin', person)).toBe(true);
    expect(mustHold('iam:check', person)).toBe(true);
    expect(mustHold('iam:admin', service)).toBe(false);
    expect(mustHold('openid', person)).toBe(false);
    expect(mustHold('offline_access', person)).toBe(false);
  });
});
