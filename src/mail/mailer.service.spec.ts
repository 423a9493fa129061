import { expect } from 'expect';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/load-config';
import { MailMessage } from './mail-message';
import { Mailer } from './mailer.service';
import { MailTransport } from './mail-transport';

const LINK = 'http://localhost:3000/password/reset?token=SECRET-TOKEN-VALUE';

function message(to: string): MailMessage {
  return {
    purpose: 'password_reset',
    to,
    subject: 'Reset',
    text: LINK,
    html: `<a href="${LINK}">x</a>`,
  };
}

/** A Mailer over a transport that records what it was handed, or fails. */
function mailerWith(transport: Partial<MailTransport> | undefined) {
  const sut = new Mailer(loadConfig({}));
  const lines: string[] = [];
  const logger = {
    log: (line: string) => lines.push(line),
    warn: (line: string) => lines.push(line),
  };
  Object.assign(sut as object, { logger, transport });
  return { sut, lines };
}

describe(Mailer.name, () => {
  it('without SMTP_URL writes one line naming purpose and recipient, never the link', async () => {
    const { sut, lines } = mailerWith(undefined);

    await expect(sut.send(message('alice@example.com'))).resolves.toBe('logged');
    expect(sut.delivers).toBe(false);
    expect(lines).toEqual([
      'Not sent (no SMTP_URL): password_reset mail to alice@example.com, subject "Reset"',
    ]);
  });

  it('refuses a recipient with header injection before the transport sees it', async () => {
    const handed: unknown[] = [];
    const { sut, lines } = mailerWith({ send: async (mail) => void handed.push(mail) });

    for (const to of [
      'a@example.com\r\nBcc: b@example.org',
      'a@example.com, b@example.org',
      'a\0@example.com',
    ]) {
      await expect(sut.send(message(to))).resolves.toBe('refused');
    }
    expect(handed).toEqual([]);
    expect(lines.join('\n')).not.toContain('example.org');
  });

  it('answers failed, and logs without the body, when the mail server fails', async () => {
    const { sut, lines } = mailerWith({
      send: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:25')),
    });

    await expect(sut.send(message('alice@example.com'))).resolves.toBe('failed');
    expect(lines).toEqual([
      'Sending password_reset mail to alice@example.com failed: connect ECONNREFUSED 127.0.0.1:25',
    ]);
    expect(lines.join('\n')).not.toContain('SECRET-TOKEN-VALUE');
  });
});
