import { expect } from 'expect';
import { describe, it } from 'node:test';
import { AccessState, SubjectState } from './access-state';

const holding = (...roles: string[]): SubjectState => ({
  active: true,
  tokensValidAfter: null,
  roles,
});

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
});
