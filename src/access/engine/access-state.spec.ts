import { expect } from 'expect';
import { describe, it } from 'node:test';
import { NO_ATTRIBUTES } from '../../common/attributes';
import { AccessState, SubjectState } from './access-state';

const holding = (...roles: string[]): SubjectState => ({
  active: true,
  tokensValidAfter: null,
  roles,
  attributes: NO_ATTRIBUTES,
});

const named = (...names: string[]): SubjectState => ({ ...holding(), names });

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
