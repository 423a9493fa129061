import { expect } from 'expect';
import { describe, it } from 'node:test';
import { mailAddressProblem, parseMailbox } from './mail-address';

describe(mailAddressProblem.name, () => {
  for (const address of [
    'alice@example.com',
    'a.b+tag@mail.example.co.uk',
    'jörg@bücher.example',
  ]) {
    it(`accepts ${address}`, () => expect(mailAddressProblem(address)).toBeUndefined());
  }

  for (const address of [
    'alice@example.com\r\nBcc: all@example.org',
    'alice@example.com\nX-Injected: 1',
    'alice\0@example.com',
    'alice@example.com\u2028',
    'alice@example.com, bob@example.org',
    'Alice <alice@example.com>',
    '"alice"@example.com',
    'alice@@example.com',
    'alice@localhost',
    '.alice@example.com',
    'al..ice@example.com',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(250)}.com`,
    '',
  ]) {
    it(`refuses ${JSON.stringify(address)}`, () =>
      expect(mailAddressProblem(address)).toEqual(expect.any(String)));
  }
});

describe(parseMailbox.name, () => {
  it('reads a display name and an address', () => {
    expect(parseMailbox('Example Login <login@example.com>')).toEqual({
      address: 'login@example.com',
      name: 'Example Login',
    });
    expect(parseMailbox('"Quoted Name" <login@example.com>')).toEqual({
      address: 'login@example.com',
      name: 'Quoted Name',
    });
  });

  it('refuses a display name with a line break or quote', () => {
    expect(parseMailbox('Evil\r\nBcc: x@example.org <login@example.com>')).toEqual({
      problem: expect.any(String),
    });
  });
});
