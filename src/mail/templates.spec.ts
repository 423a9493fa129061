import { expect } from 'expect';
import { describe, it } from 'node:test';
import { emailVerificationMail, passwordChangedMail, passwordResetMail } from './templates';

const sender = { product: 'Gatehouse', issuer: 'https://id.example.com' };
const link = 'https://id.example.com/password/reset?token=abc&x=<y>';

describe('mail templates', () => {
  it('a reset mail says who sent it, why, for how long, and what to do when unasked', () => {
    const sut = passwordResetMail(sender, {
      to: 'a@example.com',
      username: 'alice',
      link,
      validMinutes: 15,
    });

    expect(sut.purpose).toBe('password_reset');
    expect(sut.subject).toBe('Gatehouse: reset your password');
    expect(sut.text).toContain('the account "alice" at Gatehouse (https://id.example.com)');
    expect(sut.text).toContain('It works once, for 15 minutes.');
    expect(sut.text).toContain(`Choose a new password:\n${link}\n`);
    expect(sut.text).toContain('If you did not ask for this, ignore this mail');
    expect(sut.text).toContain('sent automatically by Gatehouse (https://id.example.com)');
  });

  it('the HTML part escapes the link and the username', () => {
    const sut = emailVerificationMail(sender, {
      to: 'a@example.com',
      username: '<b>alice</b>',
      link,
      validMinutes: 1440,
    });

    expect(sut.html).toContain(
      'href="https://id.example.com/password/reset?token=abc&amp;x=&lt;y&gt;"',
    );
    expect(sut.html).toContain('&quot;&lt;b&gt;alice&lt;/b&gt;&quot;');
    expect(sut.html).not.toContain('<b>alice');
    expect(sut.text).toContain('It works once, for 1 day.');
  });

  it('the password-changed notice carries no link', () => {
    const sut = passwordChangedMail(sender, { to: 'a@example.com', username: 'alice' });
    expect(sut.text).not.toContain('http://localhost');
    expect(sut.html).not.toContain('<a ');
  });
});
