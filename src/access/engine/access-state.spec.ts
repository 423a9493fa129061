import { expect } from 'expect';
import { describe, it } from 'node:test';
import { NO_ATTRIBUTES } from '../../common/attributes';
import { AccessState, SubjectMap, SubjectState } from './access-state';

const holding = (...roles: string[]): SubjectState => ({
  active: true,
  tokensValidAfter: null,
  roles,
  attributes: NO_ATTRIBUTES,
});

const named = (...names: string[]): SubjectState => ({ ...holding(), names });

/** Who holds each role, worked out afresh from the subjects themselves. */
function holdersFromScratch(subjects: SubjectMap): Map<string, Set<string>> {
  const expected = new Map<string, Set<string>>();
  for (const [id, state] of subjects) {
    for (const role of state.roles) {
      if (!expected.has(role)) expected.set(role, new Set());
      expected.get(role)!.add(id);
    }
  }
  return expected;
}

/** The role index equals what the subjects say, for these roles and every role they hold. */
function expectInStep(subjects: SubjectMap, roles: string[]): void {
  const expected = holdersFromScratch(subjects);
  for (const role of new Set([...roles, ...expected.keys()])) {
    expect({ role, holders: [...subjects.holders(role)].sort() }).toEqual({
      role,
      holders: [...(expected.get(role) ?? [])].sort(),
    });
  }
}

describe(AccessState.name, () => {
  describe('forgetRole', () => {
    it('takes a deleted role from every client and user, so one re-created by its name has no holders', () => {
      const sut = new AccessState();
      sut.roles = new Map([
        ['admins', new Set(['iam:admin'])],
        ['readers', new Set(['invoices:read'])],
      ]);
      sut.clients.set('svc', holding('admins', 'readers'));
      sut.users.set('alice', holding('admins'));
      expect(sut.permissionsOf({ type: 'user', id: 'alice' })).toEqual(new Set(['iam:admin']));

      sut.forgetRole('admins');
      sut.roles = new Map([...sut.roles, ['admins', new Set(['iam:admin'])]]);
      sut.forgetPermissions();

      expect(sut.users.get('alice')?.roles).toEqual([]);
      expect(sut.clients.get('svc')?.roles).toEqual(['readers']);
      expect(sut.permissionsOf({ type: 'user', id: 'alice' })).toEqual(new Set());
      expect(sut.permissionsOf({ type: 'client', id: 'svc' })).toEqual(new Set(['invoices:read']));
    });
  });

  describe('role holders (the subject search index)', () => {
    const ROLES = ['admins', 'readers', 'writers'];

    it('follows putUser: a new user, a role change, a rename, a deletion', () => {
      const state = new AccessState();
      state.putUser('alice', { ...named('alice'), roles: ['readers'] });
      state.putUser('bob', { ...named('bob'), roles: ['readers', 'writers'] });
      expect([...state.users.holders('readers')].sort()).toEqual(['alice', 'bob']);
      state.putUser('alice', { ...named('alice'), roles: ['writers'] });
      expect([...state.users.holders('readers')]).toEqual(['bob']);
      expect([...state.users.holders('writers')].sort()).toEqual(['alice', 'bob']);
      state.putUser('bob', {
        ...named('robert', 'bob@example.com'),
        roles: ['readers', 'writers'],
      });
      expectInStep(state.users, ROLES);
      state.putUser('bob', undefined);
      expect([...state.users.holders('readers')]).toEqual([]);
      expect([...state.users.holders('writers')]).toEqual(['alice']);
      expectInStep(state.users, ROLES);
    });

    it('follows replaceUsers and the clients map (set, delete, clear: the loader changes them so)', () => {
      const state = new AccessState();
      state.putUser('alice', holding('readers'));
      state.putUser('bob', holding('readers'));
      state.replaceUsers([
        ['bob', holding('writers')],
        ['carol', holding('readers', 'admins')],
      ]);
      expect([...state.users.holders('readers')]).toEqual(['carol']);
      expect([...state.users.holders('writers')]).toEqual(['bob']);
      expectInStep(state.users, ROLES);

      state.clients.set('svc', holding('readers'));
      state.clients.set('web', holding('readers', 'writers'));
      state.clients.set('svc', holding());
      state.clients.delete('web');
      state.clients.delete('unknown');
      expect([...state.clients.holders('readers')]).toEqual([]);
      state.clients.set('api', holding('admins'));
      expectInStep(state.clients, ROLES);
      state.clients.clear();
      state.clients.set('svc', holding('writers'));
      expect([...state.clients.holders('admins')]).toEqual([]);
      expectInStep(state.clients, ROLES);
    });

    it('follows forgetRole, and a role re-created by its name starts with no holders', () => {
      const state = new AccessState();
      state.roles = new Map([
        ['admins', new Set(['iam:admin'])],
        ['readers', new Set(['invoices:read'])],
      ]);
      state.putUser('alice', { ...named('alice'), roles: ['admins', 'readers'] });
      state.clients.set('svc', holding('admins'));
      state.forgetRole('admins');
      expect([...state.users.holders('admins')]).toEqual([]);
      expect([...state.clients.holders('admins')]).toEqual([]);
      expect([...state.users.holders('readers')]).toEqual(['alice']);
      // The names stay: forgetRole changes roles only.
      expect(state.resolveUser('alice')).toEqual({ id: 'alice' });
      expectInStep(state.users, ROLES);
      expectInStep(state.clients, ROLES);
    });

    it('stays in step through a long run of random changes', () => {
      const state = new AccessState();
      let seed = 12345;
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const someRoles = () => ROLES.filter(() => random(2) === 0);
      for (let step = 0; step < 2000; step++) {
        const id = `u${random(40)}`;
        const move = random(10);
        if (move < 5) state.putUser(id, { ...named(`name-${random(60)}`), roles: someRoles() });
        else if (move < 7) state.putUser(id, undefined);
        else if (move < 8) state.clients.set(id, holding(...someRoles()));
        else if (move < 9) state.clients.delete(id);
        else state.forgetRole(ROLES[random(ROLES.length)]);
      }
      expectInStep(state.users, ROLES);
      expectInStep(state.clients, ROLES);
    });

    it('names the holders of every role granting a permission, each once (holdersOf)', () => {
      const state = new AccessState();
      state.roles = new Map([
        ['readers', new Set(['invoices:read'])],
        ['auditors', new Set(['invoices:read', 'ledgers:audit'])],
        ['writers', new Set(['invoices:write'])],
      ]);
      state.putUser('alice', holding('readers', 'auditors'));
      state.putUser('bob', holding('auditors'));
      state.putUser('carol', holding('writers'));
      state.clients.set('svc', holding('readers'));
      expect([...state.holdersOf('user', 'invoices:read')].sort()).toEqual(['alice', 'bob']);
      expect([...state.holdersOf('user', 'ledgers:audit')].sort()).toEqual(['alice', 'bob']);
      expect([...state.holdersOf('client', 'invoices:read')]).toEqual(['svc']);
      expect([...state.holdersOf('client', 'invoices:write')]).toEqual([]);
      expect([...state.holdersOf('user', 'nobody:holds')]).toEqual([]);
    });
  });

  describe('resolveUser', () => {
    const ALICE = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const BOB = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

    it('finds a user by id, by username or email in any case; an id wins over a username', () => {
      const state = new AccessState();
      state.putUser(ALICE, named('alice', 'alice@example.com'));
      // Bob's username is Alice's id: the id still names Alice.
      state.putUser(BOB, named(ALICE, 'bob@example.com'));
      expect(state.resolveUser(ALICE)).toEqual({ id: ALICE });
      expect(state.resolveUser('ALICE')).toEqual({ id: ALICE });
      expect(state.resolveUser('Alice@Example.COM')).toEqual({ id: ALICE });
      expect(state.resolveUser('bob@example.com')).toEqual({ id: BOB });
      expect(state.resolveUser('carol')).toBe('unknown');
    });

    it('answers ambiguous for a name two users share, unknown once the change removes it', () => {
      const state = new AccessState();
      state.putUser(ALICE, named('alice', 'shared@example.com'));
      state.putUser(BOB, named('bob', 'shared@example.com'));
      expect(state.resolveUser('shared@example.com')).toBe('ambiguous');
      state.putUser(BOB, named('bob'));
      expect(state.resolveUser('shared@example.com')).toEqual({ id: ALICE });
      state.putUser(ALICE, undefined);
      expect(state.resolveUser('shared@example.com')).toBe('unknown');
      expect(state.resolveUser('alice')).toBe('unknown');
      state.replaceUsers([[ALICE, named('alice2')]]);
      expect(state.resolveUser('bob')).toBe('unknown');
      expect(state.resolveUser('alice2')).toEqual({ id: ALICE });
    });
  });
});
