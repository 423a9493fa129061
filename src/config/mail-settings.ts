import { parseMailbox } from './mail-address';
import { AppConfig } from './app-config';
import { Environment } from './environment';

/** The From of mail when MAIL_FROM is unset and no mail server is set (mail goes to the log). */
const LOG_ONLY_FROM = { address: 'gatehouse@localhost.invalid', name: 'Gatehouse' };

/**
 * SMTP_URL and MAIL_FROM, checked (docs/account.md): a mail server is smtp:// or smtps:// with a
 * host; MAIL_FROM is one mailbox and is required with a mail server. Problems name the setting
 * and never repeat SMTP_URL, whose user information may hold a password.
 */
export function readMailSettings(parsed: Environment, problems: string[]): AppConfig['mail'] {
  const smtpUrl = parsed.SMTP_URL;
  if (smtpUrl !== undefined) {
    const problem = smtpUrlProblem(smtpUrl);
    if (problem) problems.push(`SMTP_URL: ${problem}`);
  }
  let from: AppConfig['mail']['from'] = LOG_ONLY_FROM;
  if (parsed.MAIL_FROM !== undefined) {
    const mailbox = parseMailbox(parsed.MAIL_FROM);
    if ('problem' in mailbox) problems.push(`MAIL_FROM: ${mailbox.problem}`);
    else from = mailbox;
  } else if (smtpUrl !== undefined) {
    problems.push(
      'MAIL_FROM: is required with SMTP_URL (for example Gatehouse <login@example.com>)',
    );
  }
  return {
    smtpUrl,
    from,
    perAccount: parsed.MAIL_RATE_PER_ACCOUNT,
    perIp: parsed.MAIL_RATE_PER_IP,
    window: parsed.MAIL_RATE_WINDOW,
  };
}

function smtpUrlProblem(value: string): string | undefined {
  if (/[\p{C}\s]/u.test(value)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL: smtp://host:587 or smtps://user:password@host:465';
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    return 'must start with smtp:// or smtps://';
  if (!url.hostname) return 'must name a host';
  if (url.pathname !== '' && url.pathname !== '/') return 'must have no path';
  return undefined;
}
