import { createTransport, Transporter } from 'nodemailer';

/** Hands a mail to a mail server; a port so tests and the log-only mode need no server. */
export interface MailTransport {
  send(mail: {
    from: { address: string; name?: string };
    to: string;
    subject: string;
    text: string;
    html: string;
  }): Promise<void>;
  close(): void;
}

/** Seconds to wait for the mail server at each step before giving up (the page still answers). */
const SMTP_TIMEOUT_MS = 10_000;

/**
 * nodemailer over SMTP_URL: smtps:// is TLS from the start (RFC 8314 §3.3); smtp:// upgrades
 * with STARTTLS when the server offers it (RFC 3207).
 */
export function smtpTransport(smtpUrl: string): MailTransport {
  const transporter: Transporter = createTransport({
    url: smtpUrl,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    // Never nodemailer's own logger: it would write the message, links included.
    logger: false,
    debug: false,
  });
  return {
    async send(mail) {
      await transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // RFC 3834 §5: automatic mail; no out-of-office replies back to us.
        headers: { 'Auto-Submitted': 'auto-generated' },
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    },
    close: () => transporter.close(),
  };
}
