import { expect } from 'expect';
import { describe, it } from 'node:test';
import { RandomIds } from '../ids';
import { requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sut = (value: string | string[] | undefined) =>
  requestIdOf({ headers: value === undefined ? {} : { 'x-request-id': value } }, new RandomIds());

describe(requestIdOf.name, () => {
  it('keeps 1 to 128 visible ASCII characters as sent', () => {
    expect(sut('bfe9eb29-ab87-4ca3-be83-a1d5d8305716')).toBe(
      'bfe9eb29-ab87-4ca3-be83-a1d5d8305716',
    );
    expect(sut('!')).toBe('!');
    expect(sut('~'.repeat(128))).toBe('~'.repeat(128));
  });

  it('replaces a missing, empty, long, spaced, control, non-ASCII or repeated id with a new UUID', () => {
    for (const value of [
      undefined,
      '',
      'x'.repeat(129),
      'a b',
      'a\tb',
      'a\r\nSet-Cookie: x=1',
      'caf\u00e9',
      '\u0000',
      ['one', 'two'],
    ]) {
      expect(sut(value)).toMatch(UUID);
    }
    expect(sut(undefined)).not.toBe(sut(undefined));
  });
});
