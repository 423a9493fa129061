import { expect } from 'expect';
import { describe, it } from 'node:test';
import { dictionary } from '@zxcvbn-ts/language-common';
import {
  isCommonPassword,
  isRepetitiveOrSequential,
  PASSWORD_MAX_BYTES,
  PASSWORD_MIN_LENGTH_FLOOR,
  passwordProblem,
  passwordRule,
  USERNAME_SYNTAX,
} from './password.policy';

describe(passwordProblem.name, () => {
  const sut = (password: string) => passwordProblem(password, 8);

  it('states the rule once: at least the configured minimum of characters, at most 72 bytes (bcrypt)', () => {
    expect(PASSWORD_MIN_LENGTH_FLOOR).toBe(8);
    expect(PASSWORD_MAX_BYTES).toBe(72);
    expect(passwordRule(8)).toContain('at least 8 characters');
    expect(passwordRule(12)).toContain('at least 12 characters');
    expect(passwordRule(12)).toContain('72 bytes');
  });

  it('refuses fewer characters than the configured minimum, naming that minimum', () => {
    expect(passwordProblem('k9#mzq2Lx4v', 12)).toBe('must be at least 12 characters');
    expect(passwordProblem('k9#mzq2Lx4vR', 12)).toBeUndefined();
    expect(passwordProblem('🔑'.repeat(11), 12)).toBe('must be at least 12 characters');
    expect(passwordProblem('k9#mzq2L'.repeat(9), 72)).toBeUndefined();
  });

  it('accepts exactly 8 characters', () => {
    expect(sut('k9#mzq2L')).toBeUndefined();
  });

  it('refuses 7 characters, and the empty password, with a clear message', () => {
    expect(sut('abcdefg')).toBe('must be at least 8 characters');
    expect(sut('')).toBe('must be at least 8 characters');
  });

  it('accepts exactly 72 bytes', () => {
    expect(sut('k9#mzq2L'.repeat(9))).toBeUndefined();
    // 36 two-byte characters are 72 bytes.
    expect(sut('éèêëàâ'.repeat(6))).toBeUndefined();
  });

  it('refuses more than 72 bytes, because bcrypt ignores everything past them', () => {
    expect(sut('a'.repeat(73))).toBe('must be at most 72 bytes');
    // 37 characters, but 74 bytes in UTF-8.
    expect(sut('é'.repeat(37))).toBe('must be at most 72 bytes');
    // 19 emoji: 19 characters, 76 bytes.
    expect(sut('🔑'.repeat(19))).toBe('must be at most 72 bytes');
  });

  it('counts characters, not UTF-16 units or bytes, for the minimum', () => {
    // 4 emoji are 8 UTF-16 units and 16 bytes, but only 4 characters.
    expect(sut('🔑'.repeat(4))).toBe('must be at least 8 characters');
    expect(sut('🔑🔒🔓'.repeat(3).slice(0, 16))).toBeUndefined();
  });
});

describe('USERNAME_SYNTAX', () => {
  const sut = USERNAME_SYNTAX;

  it('accepts 3 to 64 letters, digits and . _ @ + -', () => {
    for (const name of ['bob', 'Alice.Liddell', 'a_b-c+d@example.com', 'x'.repeat(64)]) {
      expect(sut.test(name)).toBe(true);
    }
  });

  it('refuses too short, too long, spaces and other characters', () => {
    for (const name of ['ab', 'x'.repeat(65), 'al ice', 'alice!', 'álice', 'a/b', '']) {
      expect(sut.test(name)).toBe(false);
    }
  });
});

describe('passwordProblem: common passwords, spaces and the account name (NIST SP 800-63B §5.1.1.2)', () => {
  const COMMON = 'is one of the most common passwords; choose another';

  for (const password of [
    'password123',
    'PASSWORD123',
    'Qwertyuiop',
    '12345678',
    'iloveyou',
    // From the maintained list (@zxcvbn-ts/language-common), not the short one it replaced.
    'Samantha',
    'STEELERS',
    'midnight',
  ]) {
    it(`refuses ${password}, compared without regard to case`, () => {
      expect(passwordProblem(password, 8)).toBe(COMMON);
    });
  }

  it('holds every entry of the maintained list the length rule lets through, lower-cased', () => {
    const list = dictionary['passwords-common'];
    expect(list.length).toBeGreaterThan(40000);
    const long = list.filter((password) => [...password].length >= PASSWORD_MIN_LENGTH_FLOOR);
    expect(long.length).toBeGreaterThan(10000);
    expect(long.filter((password) => !isCommonPassword(password))).toEqual([]);
    expect(long.filter((password) => !isCommonPassword(password.toUpperCase()))).toEqual([]);
  });

  it('refuses a common password under a higher minimum too, once it is long enough', () => {
    expect(passwordProblem('qwerty12345', 12)).toBe('must be at least 12 characters');
    expect(passwordProblem('Qwerty123456', 12)).toBe(COMMON);
  });

  it('refuses a password of only spaces or other white space', () => {
    expect(passwordProblem(' '.repeat(8), 8)).toBe('must not be only spaces');
    expect(passwordProblem('\t \u00a0'.repeat(4), 8)).toBe('must not be only spaces');
  });

  it('refuses the username or the email as the password, in any case', () => {
    const owner = { username: 'Alice.Liddell', email: 'alice@example.com' };
    const same = 'must not be the username or email';
    expect(passwordProblem('alice.liddell', 8, owner)).toBe(same);
    expect(passwordProblem('ALICE@EXAMPLE.COM', 8, owner)).toBe(same);
    expect(passwordProblem('alice.liddell!', 8, owner)).toBeUndefined();
  });

  it('accepts a long passphrase that is on no list', () => {
    expect(passwordProblem('correct horse battery staple', 8)).toBeUndefined();
  });
});

describe(isRepetitiveOrSequential.name, () => {
  for (const password of [
    'aaaaaaaa',
    '00000000',
    '12121212',
    'abcabcabc',
    'zaq1zaq1',
    'adminadmin',
    'RootRoot',
    '0123456789',
    '9876543210',
    'abcdefgh',
    'HGFEDCBA',
  ]) {
    it(`refuses ${password}, repeated or sequential (NIST SP 800-63B §5.1.1.2)`, () => {
      expect(isRepetitiveOrSequential(password)).toBe(true);
      expect(passwordProblem(password, 8)).toBe(
        'is a repeated or sequential run of characters; choose another',
      );
    });
  }

  for (const password of [
    'k9#mzq2L',
    'correct horse battery',
    'abcdefgh1',
    'admin-admin',
    '13579135',
  ]) {
    it(`accepts ${password}`, () => {
      expect(isRepetitiveOrSequential(password)).toBe(false);
    });
  }
});
