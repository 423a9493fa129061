import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { mailAddressProblem } from '../config/mail-address';
import { AppConfig } from '../config/app-config';
import { MailMessage, MailOutcome } from './mail-message';
import { MailTransport, smtpTransport } from './mail-transport';

/**
 * Sends Gatehouse's mail (docs/account.md). With SMTP_URL, over SMTP; without it, one info line
 * in the log says a mail would have gone, to whom and why, but never its body, which holds the
 * secret link. A failure to send is logged (never the body) and answered as 'failed': no page
 * becomes a 500 because a mail server is away.
 */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transport?: MailTransport;

  constructor(private readonly config: AppConfig) {
    if (config.mail.smtpUrl) this.transport = smtpTransport(config.mail.smtpUrl);
  }

  /** Whether mail reaches anyone: pages of features that need mail say so when it does not. */
  get delivers(): boolean {
    return this.transport !== undefined;
  }

  async send(message: MailMessage): Promise<MailOutcome> {
    // Header injection: a recipient or subject that could add a header or a recipient never
    // reaches the transport (and is not repeated in the log, where it could forge a line).
    const problem = mailAddressProblem(message.to);
    if (problem || /[\p{C}]/u.test(message.subject)) {
      this.logger.warn(
        `Refused ${message.purpose} mail: ${problem ? `the recipient ${problem}` : 'the subject is not one line'}`,
      );
      return 'refused';
    }
    const what = `${message.purpose} mail to ${message.to}`;
    if (!this.transport) {
      this.logger.log(`Not sent (no SMTP_URL): ${what}, subject "${message.subject}"`);
      return 'logged';
    }
    try {
      await this.transport.send({ from: this.config.mail.from, ...message });
      this.logger.log(`Sent ${what}`);
      return 'sent';
    } catch (error) {
      // The error's own text: nodemailer puts the server's reply there, never the message.
      const reason = error instanceof Error ? error.message.split('\n', 1)[0] : 'unknown error';
      this.logger.warn(`Sending ${what} failed: ${reason}`);
      return 'failed';
    }
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
