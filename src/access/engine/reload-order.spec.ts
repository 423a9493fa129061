import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ReloadOrder } from './reload-order';

describe(ReloadOrder.name, () => {
  it('applies a reload only while no newer one of the same key began', () => {
    const sut = new ReloadOrder();
    const older = sut.begin('user:a');
    const newer = sut.begin('user:a');
    expect(sut.finish('user:a', newer)).toBe(true);
    expect(sut.finish('user:a', older)).toBe(false);
  });

  it('reloads of different keys do not get in each other’s way', () => {
    const sut = new ReloadOrder();
    const a = sut.begin('user:a');
    const b = sut.begin('user:b');
    expect(sut.finish('user:b', b)).toBe(true);
    expect(sut.finish('user:a', a)).toBe(true);
  });

  it('a deletion makes a reload under way stale: it cannot bring the subject back', () => {
    const sut = new ReloadOrder();
    const started = sut.begin('client:c');
    sut.deleted('client:c');
    expect(sut.finish('client:c', started)).toBe(false);
    // A reload begun after the deletion (a client re-created under the same id) applies.
    const again = sut.begin('client:c');
    expect(sut.finish('client:c', again)).toBe(true);
  });

  it('drops a role a read found when the role was deleted after the read began', () => {
    const sut = new ReloadOrder();
    const before = sut.begin('user:a');
    sut.roleDeleted('admins');
    const after = sut.begin('user:b');
    expect(sut.liveRoles(['admins', 'readers'], before)).toEqual(['readers']);
    // Read after the deletion: an assignment of a re-created role is a new, deliberate one.
    expect(sut.liveRoles(['admins', 'readers'], after)).toEqual(['admins', 'readers']);
  });
});
