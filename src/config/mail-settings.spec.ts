import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load-config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('mail settings', () => {
  it('reads SMTP_URL, MAIL_FROM with a display name, the verification mode and the link lifetimes', () => {
    const sut = loadConfig({
      SMTP_URL: 'smtps://mailer:s3cret@mail.example.com:465',
      MAIL_FROM: 'Example Login <login@example.com>',
      EMAIL_VERIFICATION: 'required',
      EMAIL_VERIFICATION_TTL: '3600',
      PASSWORD_RESET_TTL: '600',
      MAIL_RATE_PER_ACCOUNT: '3',
      MAIL_RATE_PER_IP: '10',
      MAIL_RATE_WINDOW: '1800',
    });

    expect(sut.mail).toEqual({
      smtpUrl: 'smtps://mailer:s3cret@mail.example.com:465',
      from: { address: 'login@example.com', name: 'Example Login' },
      perAccount: 3,
      perIp: 10,
      window: 1800,
    });
    expect(sut.emailVerification).toEqual({ mode: 'required', ttl: 3600 });
    expect(sut.passwordResetTtl).toBe(600);
  });

  it('a plain MAIL_FROM address has no display name', () => {
    expect(loadConfig({ MAIL_FROM: 'login@example.com' }).mail.from).toEqual({
      address: 'login@example.com',
    });
  });

  for (const url of [
    'http://mail.example.com',
    'smtp://',
    'mail.example.com:25',
    'smtp://mail.example.com/x',
    'smtp://mail.example.com\r\nX: y',
  ]) {
    it(`refuses SMTP_URL ${JSON.stringify(url)}, naming it without repeating the value`, () => {
      const problems = problemsOf({ SMTP_URL: url, MAIL_FROM: 'login@example.com' });
      expect(problems).toEqual([expect.stringMatching(/^SMTP_URL: /)]);
      expect(problems[0]).not.toContain(url);
    });
  }

  it('never repeats the password of SMTP_URL in a problem', () => {
    const problems = problemsOf({ SMTP_URL: 'ftp://user:hunter2-secret@mail.example.com' });
    expect(problems.join('\n')).not.toContain('hunter2-secret');
    expect(problems).toEqual([
      expect.stringMatching(/^SMTP_URL: /),
      expect.stringMatching(/^MAIL_FROM: is required with SMTP_URL/),
    ]);
  });

  for (const from of [
    'login@example.com\r\nBcc: victim@example.org',
    'a@b.com, c@d.com',
    'Name <a@b.com>\nX: y',
    'no-at-sign',
    'Evil"Name <a@example.com>',
    'login@localhost',
  ]) {
    it(`refuses MAIL_FROM ${JSON.stringify(from)}`, () => {
      expect(problemsOf({ MAIL_FROM: from })).toEqual([expect.stringMatching(/^MAIL_FROM: /)]);
    });
  }

  it('refuses EMAIL_VERIFICATION outside off, optional, required and lifetimes out of range', () => {
    expect(problemsOf({ EMAIL_VERIFICATION: 'always' })).toEqual([
      expect.stringMatching(/^EMAIL_VERIFICATION: /),
    ]);
    expect(problemsOf({ PASSWORD_RESET_TTL: '10' })).toEqual([
      expect.stringMatching(/^PASSWORD_RESET_TTL: /),
    ]);
    expect(problemsOf({ EMAIL_VERIFICATION_TTL: '999999999' })).toEqual([
      expect.stringMatching(/^EMAIL_VERIFICATION_TTL: /),
    ]);
  });
});
