import { MailMessage } from './mail-message';

/** Who writes: the product and the address people know it by (the issuer). */
export interface Sender {
  product: string;
  issuer: string;
}

/** What an account link mail needs: to whom, for which account, the link and how long it works. */
export interface AccountLinkMail {
  to: string;
  username: string;
  link: string;
  validMinutes: number;
}

function escape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function duration(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** Plain text and HTML of one message: who sent it, why, the action, and what to do if unasked. */
function compose(
  sender: Sender,
  input: {
    to: string;
    subject: string;
    lines: string[];
    action?: { label: string; link: string };
    notYou: string;
  },
): Pick<MailMessage, 'to' | 'subject' | 'text' | 'html'> {
  const signature = `${sender.product} (${sender.issuer})`;
  const text = [
    'Hello,',
    '',
    ...input.lines,
    '',
    ...(input.action ? [`${input.action.label}:`, input.action.link, ''] : []),
    input.notYou,
    '',
    `This mail was sent automatically by ${signature}. Replies are not read.`,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>',
    escape(input.subject),
    '</title></head><body style="font-family:sans-serif;line-height:1.5">',
    '<p>Hello,</p>',
    ...input.lines.map((line) => `<p>${escape(line)}</p>`),
    input.action
      ? `<p><a href="${escape(input.action.link)}">${escape(input.action.label)}</a></p>` +
        `<p style="color:#555">Or copy this address into your browser: ${escape(input.action.link)}</p>`
      : '',
    `<p>${escape(input.notYou)}</p>`,
    `<p style="color:#555">This mail was sent automatically by ${escape(signature)}. Replies are not read.</p>`,
    '</body></html>',
  ].join('');
  return { to: input.to, subject: input.subject, text, html };
}

export function emailVerificationMail(sender: Sender, input: AccountLinkMail): MailMessage {
  return {
    purpose: 'email_verification',
    ...compose(sender, {
      to: input.to,
      subject: `${sender.product}: confirm your email address`,
      lines: [
        `Someone, probably you, gave this address to the account "${input.username}" at ${sender.product} (${sender.issuer}).`,
        `Open the link below to confirm that this mailbox is yours. It works once, for ${duration(input.validMinutes)}.`,
      ],
      action: { label: 'Confirm your email address', link: input.link },
      notYou: 'If you did not expect this, ignore this mail: the address stays unconfirmed.',
    }),
  };
}

export function passwordResetMail(sender: Sender, input: AccountLinkMail): MailMessage {
  return {
    purpose: 'password_reset',
    ...compose(sender, {
      to: input.to,
      subject: `${sender.product}: reset your password`,
      lines: [
        `Someone, probably you, asked to reset the password of the account "${input.username}" at ${sender.product} (${sender.issuer}).`,
        `Open the link below to choose a new password. It works once, for ${duration(input.validMinutes)}. Choosing a new password signs you out everywhere.`,
      ],
      action: { label: 'Choose a new password', link: input.link },
      notYou:
        'If you did not ask for this, ignore this mail: your password stays as it is, and nobody can use the link without this mailbox.',
    }),
  };
}

export function passwordChangedMail(
  sender: Sender,
  input: { to: string; username: string },
): MailMessage {
  return {
    purpose: 'password_changed',
    ...compose(sender, {
      to: input.to,
      subject: `${sender.product}: your password was changed`,
      lines: [
        `The password of the account "${input.username}" at ${sender.product} (${sender.issuer}) was just changed, and every session of the account was signed out.`,
      ],
      notYou:
        'If this was not you, reset your password now from the sign-in page, and tell your administrator.',
    }),
  };
}
